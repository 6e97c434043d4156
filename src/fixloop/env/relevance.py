"""Which files of a task are relevant: those the fix touches and those the failing tests import."""

from __future__ import annotations

import ast

from fixloop.tasks.python_parse import parse_python
from fixloop.tasks.task import Task, test_file_of


def _module_candidates(module: str) -> list[str]:
    base = module.replace(".", "/")
    return [f"{base}.py", f"{base}/__init__.py"]


def imported_repo_files(source: str, files: set[str]) -> set[str]:
    """Repository files that `source` imports (absolute imports only), including packages' `__init__`."""
    try:
        tree = parse_python(source)
    except SyntaxError:
        return set()
    modules: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.extend(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.append(node.module)
            modules.extend(f"{node.module}.{alias.name}" for alias in node.names)
    found: set[str] = set()
    for module in modules:
        parts = module.split(".")
        for depth in range(1, len(parts) + 1):
            found.update(c for c in _module_candidates(".".join(parts[:depth])) if c in files)
    return found


def relevant_files(task: Task) -> set[str]:
    """The fix's files, the failing tests' files, and the repository modules those tests import."""
    files = set(task.files)
    test_files = {test_file_of(node) for node in task.fail_to_pass} & files
    relevant = set(task.fix_paths) | test_files
    for path in test_files:
        relevant |= imported_repo_files(task.files[path], files)
    return relevant
