"""A pytest plugin that streams one JSON line per test verdict to a report file.

This file is copied into the sandbox as `fixloop_report.py` and loaded with
`-p fixloop_report`, so it imports only the standard library and pytest, never fixloop.
It is inert unless the environment variable named by `REPORT_PATH_ENV` names a file.

Each line is flushed as soon as a test finishes, so a run killed half way keeps the
verdicts it already reached. Lines are one of:

- `{"kind": "test", "node_id", "outcome", "duration_s", "message", "frames": [{"path", "line"}]}`
  with `outcome` in passed/failed/error/skipped: a setup or teardown failure is `error`,
  xfail is `skipped`, a non-strict xpass is `passed` (pytest itself fails a strict xpass);
  `frames` are absolute paths, outermost first, and only for failures and errors.
- `{"kind": "collection_error", "node_id", "message"}` for a file pytest could not collect.

Test code runs in the same process and can forge these lines; the report is evidence
from a cooperative run, not proof against a hostile one.
"""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

REPORT_PATH_ENV = "FIXLOOP_REPORT_PATH"
MAX_MESSAGE_CHARS = 2000
MAX_FRAMES = 64


class _Verdict:
    """The phases of one test seen so far, folded into a single outcome."""

    def __init__(self) -> None:
        self.outcome: str | None = None
        self.duration_s = 0.0
        self.message = ""
        self.frames: list[dict[str, Any]] = []

    def add(self, report: pytest.TestReport, invocation_dir: str) -> None:
        self.duration_s += report.duration
        outcome = _phase_outcome(report)
        # The first phase that did not pass decides; a teardown failure of a test that
        # passed turns it into an error.
        if outcome is None or self.outcome not in (None, "passed"):
            return
        self.outcome = outcome
        if outcome != "passed":
            self.message = _message(report)
        if outcome in ("failed", "error"):
            self.frames = _frames(report, invocation_dir)


def _phase_outcome(report: pytest.TestReport) -> str | None:
    """The verdict one phase contributes, or None when the phase says nothing new."""
    if report.when == "call":
        if report.passed:
            return "passed"
        return "failed" if report.failed else "skipped"
    if report.failed:
        return "error"
    if report.skipped:
        return "skipped"
    return None


def _shorten(text: str) -> str:
    """Keep the head and, where the actual error usually is, the tail of a long text."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    head = MAX_MESSAGE_CHARS // 4
    tail = MAX_MESSAGE_CHARS - head
    return f"{text[:head]}\n[... {len(text) - head - tail} characters cut ...]\n{text[-tail:]}"


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    """The crash line of a failure, the reason of a skip or xfail, else the full text."""
    wasxfail = getattr(report, "wasxfail", None)
    longrepr = report.longrepr
    if wasxfail is not None and report.skipped:
        return _shorten(f"XFAIL {wasxfail}".rstrip())
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return _shorten(str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return _shorten(crash.message)
    return _shorten(report.longreprtext)


def _frames(report: pytest.TestReport, invocation_dir: str) -> list[dict[str, Any]]:
    """(path, line) of each traceback entry, outermost first; empty for native tracebacks."""
    traceback = getattr(report.longrepr, "reprtraceback", None)
    frames = []
    for entry in getattr(traceback, "reprentries", ()):
        location = getattr(entry, "reprfileloc", None)
        if location is None:
            continue
        # pytest shortens paths relative to the invocation directory; undo that.
        path = os.path.normpath(os.path.join(invocation_dir, location.path))
        frames.append({"path": path, "line": location.lineno})
    if len(frames) > MAX_FRAMES:
        frames = frames[: MAX_FRAMES // 4] + frames[-(MAX_FRAMES - MAX_FRAMES // 4) :]
    return frames


class ReportWriter:
    """Folds test reports into verdicts and appends them to the report file."""

    def __init__(self, fd: int, invocation_dir: str) -> None:
        self._fd = fd
        self._invocation_dir = invocation_dir
        self._verdicts: dict[str, _Verdict] = {}

    def _write(self, line: dict[str, Any]) -> None:
        # One os.write per line on an O_APPEND descriptor: no buffer to lose on a kill.
        os.write(self._fd, (json.dumps(line) + "\n").encode())

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._verdicts.setdefault(report.nodeid, _Verdict()).add(report, self._invocation_dir)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        verdict = self._verdicts.pop(nodeid, None)
        if verdict is None or verdict.outcome is None:
            return
        self._write(
            {
                "kind": "test",
                "node_id": nodeid,
                "outcome": verdict.outcome,
                "duration_s": verdict.duration_s,
                "message": verdict.message,
                "frames": verdict.frames,
            }
        )

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write({"kind": "collection_error", "node_id": report.nodeid, "message": _message(report)})

    def close(self) -> None:
        os.close(self._fd)


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(REPORT_PATH_ENV)
    if not path:
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    writer = ReportWriter(fd, str(config.invocation_params.dir))
    config.pluginmanager.register(writer, "fixloop_report_writer")
    config.add_cleanup(writer.close)
