"""Which files a grade runs on: the original repository plus the agent's changes to source files.

Test code can rewrite pytest's verdicts from files pytest loads on its own (conftest.py,
ini files and the plugins they name, `__init__.py` of test packages), from files the
interpreter runs at start-up (`sitecustomize`, `.pth`), and from files that stand in for a
module pytest or its runner imports (`pytest.py`, `json.py` at the top of the repository).
None of those is a fix. So the grade never runs the agent's workspace: it runs a fresh
tree built from the task's original files, with the agent's changes applied only where
they are source files. Changes anywhere else are left out, and listed.
"""

from __future__ import annotations

import posixpath
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field

from fixloop.tasks.task import Task

PYTEST_CONFIG_NAMES = frozenset(
    {"pytest.ini", ".pytest.ini", "pytest.toml", ".pytest.toml", "pyproject.toml", "setup.cfg", "tox.ini"}
)
"""Files pytest reads its configuration (options, plugins) from."""

STARTUP_HOOK_NAMES = frozenset({"sitecustomize.py", "usercustomize.py"})
"""Modules the interpreter imports at start-up when they are on its path."""

PYTEST_MODULES = frozenset({"pytest", "_pytest", "pluggy", "py", "iniconfig"})
"""The test runner's own modules."""

SHADOWABLE_MODULES = frozenset(sys.stdlib_module_names) | PYTEST_MODULES
"""Top-level modules a new file at the repository's top could stand in for: the standard
library and pytest with its own dependencies (and anything named `fixloop*`)."""


@dataclass(frozen=True)
class GradingTree:
    """The files to grade, and the agent's changes that went in (`applied`) or did not
    (`ignored`: path -> why)."""

    files: dict[str, str]
    applied: list[str] = field(default_factory=list)
    ignored: dict[str, str] = field(default_factory=dict)


def _under(path: str, directory: str) -> bool:
    return directory in (".", "") or path == directory or path.startswith(directory.rstrip("/") + "/")


def protection_reason(task: Task, path: str) -> str | None:
    """Why the grade keeps `path` as the task has it (None when it is a source file).

    Protected: the task's test files and everything under its test paths, every
    conftest.py, an `__init__.py` beside a test file, pytest configuration files,
    start-up hooks, and a top-level module new to the repository whose name shadows the
    standard library, pytest or fixloop.
    """
    name = posixpath.basename(path)
    directory = posixpath.dirname(path)
    if path in task.test_files or any(_under(path, test_path) for test_path in task.test_paths):
        return "a test file"
    if name == "conftest.py":
        return "a conftest.py"
    if name == "__init__.py" and any(posixpath.dirname(test) == directory for test in task.test_files):
        return "makes the tests a package"
    if name in PYTEST_CONFIG_NAMES:
        return "pytest configuration"
    if name in STARTUP_HOOK_NAMES or name.endswith(".pth"):
        return "an interpreter start-up hook"
    top = path.split("/", 1)[0]
    module = top.removesuffix(".py") if top == path else top
    known = {p.split("/", 1)[0] for p in task.files}
    if top not in known and (module in SHADOWABLE_MODULES or module.startswith("fixloop")):
        return f"stands in for the module {module!r}"
    return None


def grading_tree(task: Task, current: Mapping[str, str]) -> GradingTree:
    """The tree to grade: `task.files` with the source-file changes of `current` applied.

    `current` is the workspace's text files (repository-relative path -> content); an
    original file missing from it counts as deleted.
    """
    files = dict(task.files)
    applied: list[str] = []
    ignored: dict[str, str] = {}
    for path in sorted(set(current) | set(task.files)):
        before, after = task.files.get(path), current.get(path)
        if before == after:
            continue
        reason = protection_reason(task, path)
        if reason is not None:
            ignored[path] = reason
            continue
        if after is None:
            del files[path]
        else:
            files[path] = after
        applied.append(path)
    return GradingTree(files=files, applied=applied, ignored=ignored)
