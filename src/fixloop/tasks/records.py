"""Turn untrusted task records into `Task`s, with errors that name the file, task and field.

Shared by every importer (task directories, fixloop JSONL, SWE-bench JSONL): each check
raises `TaskLoadError` with a message a person can act on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from fixloop.tasks.patch import PatchError, apply_patch
from fixloop.tasks.repo_tree import read_text_file
from fixloop.tasks.task import Task


class TaskLoadError(ValueError):
    """A task source is missing, malformed or inconsistent.

    The message names the file (and JSONL line), the task id when known, and the field,
    e.g. `tasks.jsonl line 3 (task 'abc'): fail_to_pass: Input should be a valid list`.
    """


def read_source_text(path: Path) -> str:
    """The text of a task source file; TaskLoadError when unreadable or not UTF-8 text."""
    try:
        return read_text_file(path)
    except (OSError, ValueError) as exc:
        raise TaskLoadError(str(exc)) from None


def read_jsonl_records(path: Path) -> list[tuple[str, dict[str, Any]]]:
    """Each non-blank line of `path` as (`'<path> line <n>'`, its JSON object).

    Raises TaskLoadError naming the line when a line is not valid JSON or not an object.
    """
    records = []
    # Split on '\n' only: str.splitlines would also split inside strings on U+2028 and kin.
    for number, line in enumerate(read_source_text(path).split("\n"), start=1):
        if not line.strip():
            continue
        source = f"{path} line {number}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise TaskLoadError(f"{source}: invalid JSON: {exc}") from None
        if not isinstance(record, dict):
            raise TaskLoadError(f"{source}: expected a JSON object, got {type(record).__name__}")
        records.append((source, record))
    return records


def unique_tasks(container: Path, sourced: list[tuple[str, Task]]) -> list[Task]:
    """The tasks, in order; raise TaskLoadError naming both sources when an id repeats."""
    seen: dict[str, str] = {}
    for source, task in sourced:
        if task.id in seen:
            raise TaskLoadError(f"{container}: duplicate task id {task.id!r} in {seen[task.id]} and {source}")
        seen[task.id] = source
    return [task for _, task in sourced]


def where_of(source: object, data: Mapping[str, Any]) -> str:
    """`source (task 'id')`, or just `source` while the id is unknown or not a string."""
    task_id = data.get("id")
    return f"{source} (task {task_id!r})" if isinstance(task_id, str) else str(source)


def apply_fix(where: str, files: dict[str, str], patch: str) -> dict[str, str]:
    """`apply_patch`, with a PatchError turned into a TaskLoadError located at `where`."""
    try:
        return apply_patch(files, patch)
    except PatchError as exc:
        raise TaskLoadError(f"{where}: {exc}") from None


def check_type(where: str, field: str, value: object, adapter: TypeAdapter[Any]) -> Any:
    """`value` validated strictly by `adapter`; TaskLoadError naming `field` when it is not."""
    try:
        return adapter.validate_python(value, strict=True)
    except ValidationError as exc:
        raise TaskLoadError(f"{where}: {_describe(exc, field)}") from None


def validate_task_record(where: str, data: dict[str, Any]) -> Task:
    """A `Task` from `data`; TaskLoadError naming each bad field when it is not one."""
    try:
        return Task.model_validate(data)
    except ValidationError as exc:
        raise TaskLoadError(f"{where}: {_describe(exc)}") from None


def _describe(exc: ValidationError, field: str = "") -> str:
    """Pydantic errors as `field.sub: message; ...`, without pydantic's 'Value error, ' noise."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in (field, *error["loc"]) if part != "")
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)
