"""`ast.parse`, safe to call from many threads at once.

CPython 3.11 keeps the AST constructor's recursion depth in per-interpreter state, so two
threads building ASTs at the same moment can fail with "SystemError: AST constructor
recursion depth mismatch" (python/cpython#106905; seen here on 3.11.7 with 32 episodes at
once). fixloop parses repository files in the rollout's threads, so every parse of its own
goes through one lock: parsing a task-sized file takes well under a millisecond.
"""

from __future__ import annotations

import ast
import threading

_LOCK = threading.Lock()


def parse_python(source: str | bytes, filename: str = "<unknown>") -> ast.Module:
    """`ast.parse(source, filename)` under the process-wide lock; raises what it raises
    (SyntaxError, ValueError for null bytes)."""
    with _LOCK:
        return ast.parse(source, filename=filename)
