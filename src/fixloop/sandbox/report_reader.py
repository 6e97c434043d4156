"""Turn the report plugin's JSON lines into `TestCaseResult`s and `CollectionError`s."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from fixloop.sandbox.base import CollectionError, TestCaseResult

_LINES: TypeAdapter[dict[str, list[int]]] = TypeAdapter(dict[str, list[int]])


def _relative_to(workspace: Path, path: str) -> str:
    """`path` relative to `workspace` (POSIX form) when inside it, else unchanged."""
    candidate = Path(path)
    if candidate.is_absolute() and candidate.is_relative_to(workspace):
        return candidate.relative_to(workspace).as_posix()
    return path


def _covered_lines(workspace: Path, raw: object) -> dict[str, list[int]]:
    """The plugin's `lines` by workspace-relative path; paths outside the workspace are dropped."""
    try:
        lines = _LINES.validate_python(raw)
    except ValidationError:
        return {}
    covered: dict[str, list[int]] = {}
    for path, numbers in lines.items():
        relative = _relative_to(workspace, path)
        if relative != path:
            covered[relative] = sorted(set(numbers))
    return dict(sorted(covered.items()))


def read_report(report: Path, workspace: Path) -> tuple[list[TestCaseResult], list[CollectionError]]:
    """Parse the report file written by `report_plugin` during a run in `workspace`.

    A missing file means no test reached a verdict; see `parse_report` for the rest.
    """
    try:
        data = report.read_bytes()
    except FileNotFoundError:
        data = b""
    return parse_report(data, workspace)


def parse_report(data: bytes, workspace: Path) -> tuple[list[TestCaseResult], list[CollectionError]]:
    """Parse the report plugin's JSON lines from a run in `workspace`.

    Lines that are not valid reports
    (a write cut short by a kill, noise from test code) are skipped, and only the first
    verdict for a node id counts. Frame paths inside `workspace` become relative to it, and
    so do the paths of a test's executed lines (`lines`, present only in coverage runs),
    which become its `covered_lines`.
    """
    tests: dict[str, TestCaseResult] = {}
    errors: list[CollectionError] = []
    for raw in data.splitlines():
        try:
            line = json.loads(raw)
            if not isinstance(line, dict):
                continue
            if line.get("kind") == "test":
                test = TestCaseResult.model_validate(line)
                for frame in test.frames:
                    frame.path = _relative_to(workspace, frame.path)
                if "lines" in line:
                    test.covered_lines = _covered_lines(workspace, line["lines"])
                tests.setdefault(test.node_id, test)
            elif line.get("kind") == "collection_error":
                errors.append(CollectionError.model_validate(line))
        except ValueError:  # json's and pydantic's errors both are ValueErrors
            continue
    return list(tests.values()), errors
