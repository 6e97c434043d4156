"""The warm worker's cache of compiled code, and how a child's imports use it.

This file is copied into the sandbox as `fixloop_code.py`; the worker (`worker_program.py`)
imports it. It needs only the standard library and pytest.
"""

from __future__ import annotations

import ast
import importlib.machinery
import os
import stat
import types
from collections.abc import Callable
from typing import Any

import _pytest.assertion.rewrite


class CodeCache:
    """The compiled code of the workspaces' Python files, made in the worker, used by children.

    Compiling the code under test, and pytest's assertion rewriting of the test files, cost
    more than running a small suite, and between runs an agent changes a file or two. So
    before each run the worker compiles (never runs) each file that is new or changed since
    it last looked, and the child it forks looks its imports up here. A child uses a cached
    code object only when the file's bytes equal exactly those that were compiled; anything
    else it compiles itself, as it would without the cache.

    Compiled code is also kept by content: a file whose exact bytes were compiled before,
    at another path (the grade's fresh copy of the workspace, a later episode on the same
    task), gets that code with its file name changed to the new path instead of a second
    compilation. Code depends on nothing but the bytes, the file name and whether pytest
    rewrites it, so the result is what compiling would give. `forget_paths` (between
    episodes) drops what is known about paths; the content entries stay, at most
    `MAX_KEPT_BYTES` of sources, the oldest dropped first.
    """

    MAX_FILES = 2000
    MAX_DEPTH = 32
    MAX_FILE_BYTES = 256 * 1024
    MAX_COMPILED_BYTES = 2 * 1024 * 1024
    """Bytes compiled per refresh: the worker's own time is not bounded by a run's timeout,
    so files planted by test code (many, large) must not stall it; what is left out the
    child compiles itself, within its run's limits."""
    MAX_KEPT_BYTES = 32 * 1024 * 1024
    """Source bytes whose code is kept by content."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple[int, int], bytes, types.CodeType]] = {}
        self._by_content: dict[tuple[bool, bytes], types.CodeType] = {}
        self._kept_bytes = 0

    def refresh(self, root: str) -> None:
        """Compile what changed among the regular `.py` files under `root`, within the caps."""
        seen = 0
        budget = [self.MAX_COMPILED_BYTES]
        top = root.rstrip(os.sep).count(os.sep)
        for directory, dirnames, filenames in os.walk(root):
            deep = directory.count(os.sep) - top >= self.MAX_DEPTH
            dirnames[:] = (
                [] if deep else [d for d in dirnames if not d.startswith(".") and d != "__pycache__"]
            )
            for name in filenames:
                if not name.endswith(".py") or seen >= self.MAX_FILES:
                    continue
                seen += 1
                self._compile(os.path.join(directory, name), _is_test_file(name), budget)

    def forget_paths(self) -> None:
        """Drop what is known about paths (their stamps and code); keep the code by content."""
        self._entries.clear()

    def _compile(self, path: str, rewrite: bool, budget: list[int]) -> None:
        try:
            status = os.lstat(path)
            stamp = (status.st_mtime_ns, status.st_size)
            if not stat.S_ISREG(status.st_mode) or status.st_size > min(self.MAX_FILE_BYTES, budget[0]):
                return
            if path in self._entries and self._entries[path][0] == stamp:
                return
            budget[0] -= status.st_size
            # Test code may swap the file for a link or a FIFO since the lstat.
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
            with open(fd, "rb") as handle:
                if os.fstat(fd).st_size != status.st_size or not stat.S_ISREG(os.fstat(fd).st_mode):
                    return
                source = handle.read(self.MAX_FILE_BYTES + 1)
            known = self._by_content.get((rewrite, source))
            if known is not None:
                code = _relocated(known, path)
            else:
                code = _compiled(source, path, rewrite)
                self._keep(rewrite, source, code)
        except Exception:  # unreadable or not compilable: the child finds out itself
            self._entries.pop(path, None)
            return
        self._entries[path] = (stamp, source, code)

    def _keep(self, rewrite: bool, source: bytes, code: types.CodeType) -> None:
        self._by_content[(rewrite, source)] = code
        self._kept_bytes += len(source)
        while self._kept_bytes > self.MAX_KEPT_BYTES:
            oldest = next(iter(self._by_content))
            del self._by_content[oldest]
            self._kept_bytes -= len(oldest[1])

    def lookup(self, path: str, source: bytes) -> types.CodeType | None:
        """The cached code for `path` when it was compiled from exactly `source`."""
        entry = self._entries.get(path)
        return entry[2] if entry is not None and entry[1] == source else None

    def install(self) -> None:
        """In a child: have imports and pytest's assertion rewriting use the cache."""
        rewrite_module = _pytest.assertion.rewrite
        rewrite_test = rewrite_module._rewrite_test
        source_to_code = importlib.machinery.SourceFileLoader.source_to_code

        # The wrappers stand between importlib (or pytest) and the compiler, so a syntax
        # error's traceback passes through them: hidden, it reads as plain pytest's does.
        def cached_rewrite_test(fn: Any, config: Any) -> Any:
            __tracebackhide__ = True
            code = self.lookup(str(fn), fn.read_bytes()) if _is_test_file(fn.name) else None
            return (os.stat(fn), code) if code is not None else rewrite_test(fn, config)

        def cached_source_to_code(loader: Any, data: Any, path: Any, *, _optimize: int = -1) -> Any:
            __tracebackhide__ = True
            code = None
            if _optimize == -1 and isinstance(data, bytes) and not _is_test_file(os.path.basename(path)):
                code = self.lookup(path, data)
            return code if code is not None else source_to_code(loader, data, path, _optimize=_optimize)

        rewrite_module._rewrite_test = cached_rewrite_test
        _as_import_system(cached_source_to_code)
        importlib.machinery.SourceFileLoader.source_to_code = cached_source_to_code  # type: ignore[method-assign,assignment]


def _compiled(source: bytes, path: str, rewrite: bool) -> types.CodeType:
    """`source` compiled as the file `path`, its asserts rewritten as pytest does when `rewrite`."""
    if not rewrite:
        return compile(source, path, "exec", dont_inherit=True)
    tree = ast.parse(source, filename=path)
    _pytest.assertion.rewrite.rewrite_asserts(tree, source, path, None)
    return compile(tree, path, "exec", dont_inherit=True)


def _relocated(code: types.CodeType, path: str) -> types.CodeType:
    """`code` (and every code object nested in it) as if compiled from the file `path`."""
    constants = tuple(_relocated(c, path) if isinstance(c, types.CodeType) else c for c in code.co_consts)
    return code.replace(co_filename=path, co_consts=constants)


IMPORT_SYSTEM_FILE = "<frozen importlib._bootstrap_external>"
"""Where the import system's own code lives, as its frames say."""


def _as_import_system(function: Callable[..., Any]) -> None:
    """Have `function`'s frames count as the import system's own.

    When an import fails (a syntax error in the module, say), the import system removes its
    own frames from the traceback, down to the `source_to_code` it compiled with; a frame of
    other code among them stops that, and the traceback would show five frames of
    `<frozen importlib...>` that a plain pytest run does not. So the wrapper that stands in
    for `source_to_code` passes for part of it, and is removed with it.
    """
    function.__code__ = function.__code__.replace(co_filename=IMPORT_SYSTEM_FILE)


def _is_test_file(name: str) -> bool:
    """Whether pytest rewrites the asserts of a file of this name (its default patterns)."""
    test_module = name.startswith("test_") or name.endswith("_test.py")
    return name == "conftest.py" or (test_module and name.endswith(".py"))
