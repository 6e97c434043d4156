"""Write tasks out in the formats the loader reads: task directories and JSONL."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w

from fixloop.tasks.loader import REPO_DIR, SOLUTION_DIR, TASK_TOML
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.task import Task


def task_fields(task: Task) -> dict[str, Any]:
    """The task's metadata as plain data: every field but the files, without unset optionals."""
    return task.model_dump(mode="json", exclude={"files", "reference_fix"}, exclude_none=True)


def write_task_dir(task: Task, directory: Path) -> Path:
    """Write `task` as `directory/task.toml`, `repo/` and `solution/`; return `directory`.

    `solution/` holds only the files the fix changes or adds. Raises FileExistsError when
    `directory` already holds a task.
    """
    if (directory / TASK_TOML).exists():
        raise FileExistsError(f"{directory} already holds a task")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / TASK_TOML).write_text(tomli_w.dumps(task_fields(task)), encoding="utf-8")
    write_repo_tree(task.files, directory / REPO_DIR)
    write_repo_tree({p: task.reference_fix[p] for p in task.fix_paths}, directory / SOLUTION_DIR)
    return directory


def write_jsonl(tasks: Iterable[Task], path: Path) -> Path:
    """Write one task per line (`files` and `solution_files` as path -> content maps)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for task in tasks:
            record = {
                **task_fields(task),
                "files": task.files,
                "solution_files": {p: task.reference_fix[p] for p in task.fix_paths},
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path
