"""Turn the report plugin's JSON lines into verdicts, and say what in them looks forged."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import TypeAdapter, ValidationError

from fixloop.sandbox.base import CollectionError, TamperEvent, TestCaseResult

_LINES: TypeAdapter[dict[str, list[int]]] = TypeAdapter(dict[str, list[int]])
_FILES: TypeAdapter[list[str]] = TypeAdapter(list[str])


@dataclass
class Report:
    """A run's report: its verdicts, how pytest said it ended, and what did not add up.

    `anomalies` are facts no cooperative run produces: a second verdict for a test, a line
    that is not a report line, a second `session_end` or lines after it. `session_exit_status`
    is None when pytest never said it finished.
    """

    tests: list[TestCaseResult] = field(default_factory=list)
    collection_errors: list[CollectionError] = field(default_factory=list)
    session_exit_status: int | None = None
    tamper_events: list[TamperEvent] = field(default_factory=list)
    anomalies: list[str] = field(default_factory=list)


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


def read_report(report: Path, workspace: Path) -> Report:
    """Parse the report file written during a run in `workspace` (missing: no verdicts)."""
    try:
        data = report.read_bytes()
    except FileNotFoundError:
        data = b""
    return parse_report(data, workspace)


def parse_report(data: bytes, workspace: Path) -> Report:
    """Parse the report plugin's JSON lines from a run in `workspace`.

    An unterminated last line (a write cut short by a kill) is dropped; any other line
    that is not a valid report line is skipped and noted as an anomaly, and only the first
    verdict for a node id counts. Frame paths inside `workspace` become relative to it, and
    so do the paths of a test's executed lines (`lines`, present only in coverage runs),
    which become its `covered_lines`, and the files of tamper events.
    """
    report = Report()
    tests: dict[str, TestCaseResult] = {}
    lines = data.split(b"\n")[:-1]  # the part after the last newline is unterminated
    for number, raw in enumerate(lines, start=1):
        if report.session_exit_status is not None:
            report.anomalies.append(f"line {number} comes after the end of the session")
        try:
            line = json.loads(raw)
            kind = line.get("kind") if isinstance(line, dict) else None
            if kind == "test":
                test = TestCaseResult.model_validate(line)
                for frame in test.frames:
                    frame.path = _relative_to(workspace, frame.path)
                if "lines" in line:
                    test.covered_lines = _covered_lines(workspace, line["lines"])
                if test.node_id in tests:
                    report.anomalies.append(f"a second verdict for {test.node_id}")
                tests.setdefault(test.node_id, test)
            elif kind == "collection_error":
                report.collection_errors.append(CollectionError.model_validate(line))
            elif kind == "tamper":
                files = [_relative_to(workspace, path) for path in _FILES.validate_python(line.get("files"))]
                detail = str(line.get("detail", ""))
                report.tamper_events.append(
                    TamperEvent(event=str(line.get("event")), detail=detail, files=files)
                )
            elif kind == "session_end" and isinstance(line.get("exit_status"), int):
                if report.session_exit_status is None:
                    report.session_exit_status = line["exit_status"]
            else:
                raise ValueError("not a report line")
        except ValueError:  # json's and pydantic's errors both are ValueErrors
            report.anomalies.append(f"line {number} is not a report line: {raw[:80]!r}")
    report.tests = list(tests.values())
    return report
