"""A pytest plugin that streams one JSON line per test verdict to a report file.

This file is copied into the sandbox as `fixloop_report.py` and loaded with
`-p fixloop_report`, so it imports only the standard library and pytest, never fixloop.
It is inert unless the environment variable named by `REPORT_PATH_ENV` names a file, or
the one named by `REPORT_FD_ENV` names an open descriptor to write to instead (a warm
worker's report pipe).

Each line is flushed as soon as a test finishes, so a run killed half way keeps the
verdicts it already reached. Lines are one of:

- `{"kind": "test", "node_id", "outcome", "duration_s", "message", "frames": [{"path", "line"}]}`
  with `outcome` in passed/failed/error/skipped: a setup or teardown failure is `error`,
  xfail is `skipped`, a non-strict xpass is `passed` (pytest itself fails a strict xpass);
  `frames` are absolute paths, outermost first, and only for failures and errors.
- `{"kind": "collection_error", "node_id", "message"}` for a file pytest could not collect.

When the environment variable named by `COVERAGE_ENV` is `1`, each test line also has
`"lines": {absolute path: [line, ...]}`: the lines of project files the test executed
(setup, call and teardown), traced with `sys.settrace`. Project files are the `.py` files
under the rootdir that are not test files; everything else is never traced line by line,
which keeps the cost down. Runs without it are not traced at all.

Test code runs in the same process and can forge these lines; the report is evidence
from a cooperative run, not proof against a hostile one.
"""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

REPORT_PATH_ENV = "FIXLOOP_REPORT_PATH"
REPORT_FD_ENV = "FIXLOOP_REPORT_FD"
COVERAGE_ENV = "FIXLOOP_COVERAGE"
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
            self.frames = frames_of(report.longrepr, invocation_dir)


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


def shorten(text: str) -> str:
    """Keep the head and, where the actual error usually is, the tail of a long text."""
    if len(text) <= MAX_MESSAGE_CHARS:
        return text
    head = MAX_MESSAGE_CHARS // 4
    tail = MAX_MESSAGE_CHARS - head
    return f"{text[:head]}\n[... {len(text) - head - tail} characters cut ...]\n{text[-tail:]}"


def message_of(longrepr: Any, text: Callable[[], str], wasxfail: str | None, skipped: bool) -> str:
    """The crash line of a failure, the reason of a skip or xfail, else the full `text()`.

    From a report's parts, so the warm worker's fast path words its verdicts the same way.
    """
    if wasxfail is not None and skipped:
        return shorten(f"XFAIL {wasxfail}".rstrip())
    if isinstance(longrepr, tuple):  # a skip: (path, line, reason)
        return shorten(str(longrepr[2]))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return shorten(crash.message)
    return shorten(text())


def _message(report: pytest.TestReport | pytest.CollectReport) -> str:
    wasxfail = getattr(report, "wasxfail", None)
    return message_of(report.longrepr, lambda: report.longreprtext, wasxfail, report.skipped)


def frames_of(longrepr: Any, invocation_dir: str) -> list[dict[str, Any]]:
    """(path, line) of each traceback entry, outermost first; empty for native tracebacks."""
    traceback = getattr(longrepr, "reprtraceback", None)
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


def _is_test_file(relative: str) -> bool:
    """Test code by its name: test_*.py, *_test.py, conftest.py, or anything under tests/."""
    name = os.path.basename(relative)
    parts = relative.split(os.sep)
    return name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py" or "tests" in parts


class LineTracer:
    """Records which lines of project files run while it is on (one test at a time).

    The global trace function sees every call; it returns a line tracer only for frames
    of project files, so library and pytest code cost one cached lookup per call.
    """

    def __init__(self, root: str) -> None:
        self._root = os.path.realpath(root) + os.sep
        self._local: dict[str, Any] = {}  # filename -> its line tracer, or None
        self.lines: dict[str, set[int]] = {}
        self._previous: Any = None

    def _tracer_for(self, filename: str) -> Any:
        path = os.path.realpath(os.path.abspath(filename))
        if not path.endswith(".py") or not path.startswith(self._root):
            return None
        if _is_test_file(path[len(self._root) :]):
            return None
        seen = self.lines.setdefault(path, set())

        def trace_lines(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                seen.add(frame.f_lineno)
            return trace_lines

        return trace_lines

    def _trace_calls(self, frame: FrameType, event: str, arg: Any) -> Any:
        filename = frame.f_code.co_filename
        try:
            return self._local[filename]
        except KeyError:
            tracer = self._local[filename] = self._tracer_for(filename)
            return tracer

    def start(self) -> None:
        self.lines = {}
        self._local.clear()
        self._previous = sys.gettrace()
        threading.settrace(self._trace_calls)
        sys.settrace(self._trace_calls)

    def stop(self) -> dict[str, list[int]]:
        """Stop tracing; the lines run since `start`, by absolute path."""
        sys.settrace(self._previous)
        threading.settrace(None)  # type: ignore[arg-type]
        return {path: sorted(lines) for path, lines in self.lines.items() if lines}


class ReportWriter:
    """Folds test reports into verdicts and appends them to the report file."""

    def __init__(self, fd: int, invocation_dir: str, tracer: LineTracer | None = None) -> None:
        self._fd = fd
        self._invocation_dir = invocation_dir
        self._verdicts: dict[str, _Verdict] = {}
        self._tracer = tracer

    def _write(self, line: dict[str, Any]) -> None:
        # One os.write per line on an O_APPEND descriptor: no buffer to lose on a kill.
        os.write(self._fd, (json.dumps(line) + "\n").encode())

    def pytest_runtest_logstart(self, nodeid: str) -> None:
        if self._tracer is not None:
            self._tracer.start()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._verdicts.setdefault(report.nodeid, _Verdict()).add(report, self._invocation_dir)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        lines = self._tracer.stop() if self._tracer is not None else None
        verdict = self._verdicts.pop(nodeid, None)
        if verdict is None or verdict.outcome is None:
            return
        line: dict[str, Any] = {
            "kind": "test",
            "node_id": nodeid,
            "outcome": verdict.outcome,
            "duration_s": verdict.duration_s,
            "message": verdict.message,
            "frames": verdict.frames,
        }
        if lines is not None:
            line["lines"] = lines
        self._write(line)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self._write({"kind": "collection_error", "node_id": report.nodeid, "message": _message(report)})

    def close(self) -> None:
        os.close(self._fd)


def pytest_configure(config: pytest.Config) -> None:
    path = os.environ.get(REPORT_PATH_ENV)
    descriptor = os.environ.get(REPORT_FD_ENV)
    if descriptor:
        fd = os.dup(int(descriptor))
    elif path:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644)
    else:
        return
    tracer = LineTracer(str(config.rootpath)) if os.environ.get(COVERAGE_ENV) == "1" else None
    writer = ReportWriter(fd, str(config.invocation_params.dir), tracer)
    config.pluginmanager.register(writer, "fixloop_report_writer")
    config.add_cleanup(writer.close)
