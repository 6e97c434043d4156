"""Writers that turn a `Task` into each on-disk format the loader reads."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

from fixloop.tasks.task import Task


def unified_diff(task: Task) -> str:
    """The task's reference fix as a `git diff`-style patch against its buggy files."""
    chunks = []
    for path in task.fix_paths:
        old = task.files.get(path)
        chunks += difflib.unified_diff(
            (old or "").splitlines(keepends=True),
            task.reference_fix[path].splitlines(keepends=True),
            fromfile="/dev/null" if old is None else f"a/{path}",
            tofile=f"b/{path}",
        )
    return "".join(chunks)


def toml_text(task: Task) -> str:
    # JSON strings, numbers and string lists are valid TOML values.
    fields = task.model_dump(mode="json", exclude={"files", "reference_fix"}, exclude_none=True)
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in fields.items())


def write_files(root: Path, files: dict[str, str]) -> None:
    for path, content in files.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(content)


def write_task_dir(root: Path, task: Task, *, fix_as: str = "solution") -> Path:
    """Write `task` as a task directory with its fix as `solution/` or `fix.patch`."""
    root.mkdir(parents=True)
    (root / "task.toml").write_text(toml_text(task))
    write_files(root / "repo", task.files)
    if fix_as == "solution":
        write_files(root / "solution", task.reference_fix)
    else:
        (root / "fix.patch").write_text(unified_diff(task))
    return root


def jsonl_record(task: Task, *, fix_as: str = "solution_files") -> dict[str, Any]:
    """`task` as one JSONL record with its fix as `solution_files` or `patch`."""
    record = task.model_dump(mode="json", exclude={"reference_fix"}, exclude_none=True)
    record[fix_as] = task.reference_fix if fix_as == "solution_files" else unified_diff(task)
    return record


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path
