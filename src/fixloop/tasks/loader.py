"""Load tasks from task directories, JSONL files and named suites.

A **task directory** holds `task.toml` (the Task's scalar and list fields as top-level
keys), `repo/` (the buggy repository, tests included) and the reference fix as exactly one
of `solution/` (full content of each file the fix replaces or adds) or `fix.patch` (a
unified diff against `repo/`).

A **JSONL file** holds one task per line: the same fields plus `files` (path -> content)
and exactly one of `solution_files` (path -> content) or `patch` (unified diff text).
Blank lines are ignored.

A `.jsonl` file whose first record has an `instance_id` is read as SWE-bench-style
instances instead (see `fixloop.tasks.swebench`).

A **suite directory** holds one task directory per subdirectory, loaded in name order;
entries that are not directories, or whose name starts with '.' or '_', are ignored. It may
hold a `suite.toml` giving `requirements` or `python` (see `fixloop.tasks.environments`) to
every task of the suite that gives neither.

A relative local path in `requirements` (`./wheels/x.whl`, `../lib`) is relative to the
file that declares it (the task directory, the suite directory or the JSONL file's
directory) and is loaded as an absolute path.

Loading is all-or-nothing: any broken task raises `TaskLoadError` and nothing is returned.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from fixloop.tasks.environments import absolute_requirements
from fixloop.tasks.records import (
    TaskLoadError,
    apply_fix,
    check_type,
    read_jsonl_records,
    read_source_text,
    unique_tasks,
    validate_task_record,
    where_of,
)
from fixloop.tasks.repo_tree import read_repo_tree
from fixloop.tasks.swebench import is_swebench_jsonl, load_swebench
from fixloop.tasks.task import Task

TASK_TOML = "task.toml"
SUITE_TOML = "suite.toml"
ENVIRONMENT_KEYS = ("requirements", "python")
"""The keys a `suite.toml` may give its tasks."""
REPO_DIR = "repo"
SOLUTION_DIR = "solution"
FIX_PATCH = "fix.patch"

SUITES: dict[str, Path] = {"builtin": Path(__file__).with_name("builtin")}
"""Named suites `load_suite` knows, each a suite directory."""

_FILE_MAP = TypeAdapter(dict[str, str])
_TEXT = TypeAdapter(str)


def load_tasks(path: Path | str) -> list[Task]:
    """Load a `.jsonl` file (ours or SWE-bench-style), a single task directory, or a suite directory.

    Raises TaskLoadError when `path` is none of these, holds no task, or any task in it is
    broken, or when two tasks share an id.
    """
    path = Path(path)
    if not path.exists():
        raise TaskLoadError(f"{path}: no such file or directory")
    if path.is_file() and path.suffix == ".jsonl":
        tasks = load_swebench(path) if is_swebench_jsonl(path) else load_jsonl(path)
    elif (path / TASK_TOML).is_file():
        tasks = [load_task_dir(path)]
    elif path.is_dir():
        tasks = _load_suite_dir(path)
    else:
        raise TaskLoadError(f"{path}: not a task directory, a suite directory or a .jsonl file")
    if not tasks:
        raise TaskLoadError(f"{path}: holds no tasks")
    return tasks


def load_suite(name: str) -> list[Task]:
    """Load the named suite (see `SUITES`); raise TaskLoadError for an unknown name."""
    if name not in SUITES:
        raise TaskLoadError(f"unknown suite {name!r}; known suites: {', '.join(sorted(SUITES))}")
    return load_tasks(SUITES[name])


def load_task_dir(path: Path | str, suite: dict[str, Any] | None = None) -> Task:
    """Load one task directory (see the module docstring); raise TaskLoadError if broken.

    `suite` holds the environment keys of its suite's `suite.toml`, used when the task gives
    neither `requirements` nor `python`.
    """
    path = Path(path)
    toml_path = path / TASK_TOML
    if not toml_path.is_file():
        raise TaskLoadError(
            f"{path}: not a task directory (no {TASK_TOML}; a task directory holds "
            f"{TASK_TOML}, {REPO_DIR}/ and {SOLUTION_DIR}/ or {FIX_PATCH})"
        )
    data = _with_absolute_requirements(_read_toml(toml_path), path)
    if suite and not any(key in data for key in ENVIRONMENT_KEYS):
        data = {**data, **suite}
    for key, home in (("files", f"{REPO_DIR}/"), ("reference_fix", f"{SOLUTION_DIR}/ or {FIX_PATCH}")):
        if key in data:
            raise TaskLoadError(f"{where_of(toml_path, data)}: {key}: comes from {home}, not {TASK_TOML}")

    where = where_of(path, data)
    repo, solution, patch = path / REPO_DIR, path / SOLUTION_DIR, path / FIX_PATCH
    if not repo.is_dir():
        raise TaskLoadError(f"{where}: no {REPO_DIR}/ directory holding the buggy repository")
    _require_one_fix(where, f"{SOLUTION_DIR}/", solution.is_dir(), FIX_PATCH, patch.is_file())
    files = _read_tree(where, repo)
    if solution.is_dir():
        fix = _read_tree(where, solution)
    else:
        fix = apply_fix(where_of(patch, data), files, read_source_text(patch))
    return validate_task_record(where_of(toml_path, data), {**data, "files": files, "reference_fix": fix})


def load_jsonl(path: Path | str) -> list[Task]:
    """Load every task in a JSONL file (see the module docstring), in file order.

    Raises TaskLoadError naming the line for invalid JSON or a broken task, and for
    duplicate task ids.
    """
    path = Path(path)
    sourced = [
        (source, _task_from_record(source, _with_absolute_requirements(record, path.resolve().parent)))
        for source, record in read_jsonl_records(path)
    ]
    return unique_tasks(path, sourced)


def _load_suite_dir(path: Path) -> list[Task]:
    task_dirs = sorted(
        entry for entry in path.iterdir() if entry.is_dir() and not entry.name.startswith((".", "_"))
    )
    suite = _suite_environment(path)
    return unique_tasks(path, [(str(task_dir), load_task_dir(task_dir, suite)) for task_dir in task_dirs])


def _suite_environment(path: Path) -> dict[str, Any]:
    """The environment keys of the suite's `suite.toml` (none without one)."""
    toml_path = path / SUITE_TOML
    if not toml_path.is_file():
        return {}
    data = _with_absolute_requirements(_read_toml(toml_path), path)
    unknown = sorted(set(data) - set(ENVIRONMENT_KEYS))
    if unknown:
        keys = ", ".join(unknown)
        raise TaskLoadError(f"{toml_path}: {keys}: a suite.toml gives only requirements or python")
    return data


def _read_toml(toml_path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(read_source_text(toml_path))
    except tomllib.TOMLDecodeError as exc:
        raise TaskLoadError(f"{toml_path}: invalid TOML: {exc}") from None


def _with_absolute_requirements(data: dict[str, Any], base: Path) -> dict[str, Any]:
    """`data` with the relative local paths of its `requirements` made absolute against `base`."""
    requirements = data.get("requirements")
    if isinstance(requirements, list) and all(isinstance(item, str) for item in requirements):
        return {**data, "requirements": absolute_requirements(requirements, base.resolve())}
    return data


def _task_from_record(source: str, record: dict[str, Any]) -> Task:
    where = where_of(source, record)
    fields = dict(record)
    solution = fields.pop("solution_files", None)
    patch = fields.pop("patch", None)
    if "reference_fix" in fields:
        raise TaskLoadError(f"{where}: reference_fix: give the fix as solution_files or patch")
    _require_one_fix(where, "solution_files", solution is not None, "patch", patch is not None)
    if patch is not None:
        if "files" not in fields:
            raise TaskLoadError(f"{where}: files: Field required")
        files = check_type(where, "files", fields["files"], _FILE_MAP)
        fix = apply_fix(f"{where}: patch", files, check_type(where, "patch", patch, _TEXT))
    else:
        fix = check_type(where, "solution_files", solution, _FILE_MAP)
    return validate_task_record(where, {**fields, "reference_fix": fix})


def _require_one_fix(where: str, first: str, has_first: bool, second: str, has_second: bool) -> None:
    if has_first == has_second:
        found = "found both" if has_first else "found neither"
        raise TaskLoadError(
            f"{where}: give the reference fix as exactly one of {first} and {second} ({found})"
        )


def _read_tree(where: str, root: Path) -> dict[str, str]:
    try:
        return read_repo_tree(root)
    except (OSError, ValueError) as exc:
        raise TaskLoadError(f"{where}: {exc}") from None
