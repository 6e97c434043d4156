"""Write tasks out in the formats the loader reads: task directories, suite directories and JSONL.

Writing then loading gives back equal `Task`s: `solution/` and `solution_files` hold the
whole `reference_fix`, and file contents are written byte for byte.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import tomli_w

from fixloop.tasks.loader import REPO_DIR, SOLUTION_DIR, TASK_TOML
from fixloop.tasks.repo_tree import SKIPPED_DIRS, SKIPPED_SUFFIXES, write_repo_tree
from fixloop.tasks.task import Task

ExportFormat = Literal["dir", "jsonl"]
"""`dir`: a suite directory of task directories; `jsonl`: one JSONL file."""


def task_fields(task: Task) -> dict[str, Any]:
    """The task's metadata as plain data: every field but the files, without unset optionals
    (nor empty `requirements`)."""
    fields = task.model_dump(mode="json", exclude={"files", "reference_fix"}, exclude_none=True)
    if not fields["requirements"]:
        del fields["requirements"]
    return fields


def write_task_dir(task: Task, directory: Path) -> Path:
    """Write `task` as `directory/task.toml`, `repo/` and `solution/`; return `directory`.

    Raises FileExistsError when `directory` already holds a task, and ValueError (before
    writing anything) when a file would not be read back from disk (see `check_dir_safe`).
    """
    check_dir_safe(task)
    if (directory / TASK_TOML).exists():
        raise FileExistsError(f"{directory} already holds a task")
    directory.mkdir(parents=True, exist_ok=True)
    fields = task_fields(task)
    # Multi-line strings read best, but TOML turns their '\r\n' into '\n'; escape those instead.
    # (A literal backslash before an 'r' also matches; it only costs readability.)
    multiline = "\\r" not in json.dumps(fields)
    (directory / TASK_TOML).write_text(tomli_w.dumps(fields, multiline_strings=multiline), encoding="utf-8")
    write_repo_tree(task.files, directory / REPO_DIR)
    write_repo_tree(task.reference_fix, directory / SOLUTION_DIR)
    return directory


def check_dir_safe(task: Task) -> None:
    """Raise ValueError naming the first file a task directory could not hold.

    The loader skips caches and history (`__pycache__/`, `.git/`, `.pytest_cache/`, `*.pyc`)
    in `repo/` and `solution/`, so such a file would be lost; JSONL keeps it.
    """
    for path in [*task.files, *task.reference_fix]:
        parts = path.split("/")
        if SKIPPED_DIRS.intersection(parts[:-1]) or path.endswith(SKIPPED_SUFFIXES):
            raise ValueError(
                f"task {task.id!r}: {path} would be skipped when the task directory is read back; "
                "export this task as JSONL instead"
            )


def write_jsonl(tasks: Iterable[Task], path: Path) -> Path:
    """Write one task per line (`files` and `solution_files` as path -> content maps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        for task in tasks:
            record = {**task_fields(task), "files": task.files, "solution_files": task.reference_fix}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def export_tasks(tasks: Sequence[Task], out: Path, *, fmt: ExportFormat = "dir", force: bool = False) -> Path:
    """Write `tasks` to `out` as a suite directory (`<out>/<task id>/`) or one JSONL file.

    Refuses with FileExistsError to write into a non-empty `out` unless `force`. With
    `force` a JSONL file is replaced; in a directory the task directories already there
    are deleted first and other files are kept, but a subdirectory that is not a task
    directory is never deleted: it raises FileExistsError, since the loader would read it.
    Raises ValueError, before writing anything, for duplicate ids or a task a directory
    cannot hold (`check_dir_safe`).
    """
    ids = [task.id for task in tasks]
    duplicates = sorted({task_id for task_id in ids if ids.count(task_id) > 1})
    if duplicates:
        raise ValueError(f"duplicate task ids: {', '.join(duplicates)}")
    if fmt == "jsonl":
        if out.is_dir():
            raise FileExistsError(f"{out} is a directory; give a file path for JSONL output")
        if out.exists() and out.stat().st_size > 0 and not force:
            raise FileExistsError(f"{out} already exists; pass --force to overwrite it")
        return write_jsonl(tasks, out)
    for task in tasks:
        check_dir_safe(task)
    _clear_suite_dir(out, force)
    for task in tasks:
        write_task_dir(task, out / task.id)
    return out


def _clear_suite_dir(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"{out} is a file; give a directory path for a suite directory")
    if not out.exists() or not any(out.iterdir()):
        return
    if not force:
        raise FileExistsError(f"{out} is not empty; pass --force to replace the tasks in it")
    entries = [entry for entry in out.iterdir() if entry.is_dir() and not entry.name.startswith((".", "_"))]
    strangers = sorted(entry.name for entry in entries if not (entry / TASK_TOML).is_file())
    if strangers:
        raise FileExistsError(
            f"{out} holds {', '.join(strangers)}, which "
            f"{'is not a task directory' if len(strangers) == 1 else 'are not task directories'}; "
            "export into an empty or new directory"
        )
    for entry in entries:
        shutil.rmtree(entry)
