"""A pytest plugin that streams one JSON line per test verdict down a report channel.

This file is copied into the sandbox as `fixloop_report.py`, so it imports only the
standard library and pytest, never fixloop. A run's report channel arrives as descriptor
`REPORT_FD` (a pipe from a warm worker, a file opened by the launcher); nothing in the
environment announces it. Before any test code runs, the runner calls `start_run`, which
moves the channel to a fresh close-on-exec descriptor, closes `REPORT_FD`, and installs
the tamper watch; the plugin (passed to `pytest.main` as this module) then writes the
verdicts, and the runner ends the report with `end_run(exit_code)`.

Each line is written with one `os.write` as soon as a test finishes, so a run killed half
way keeps the verdicts it already reached. Lines are one of:

- `{"kind": "test", "node_id", "outcome", "duration_s", "message", "frames": [{"path", "line"}]}`
  with `outcome` in passed/failed/error/skipped: a setup or teardown failure is `error`,
  xfail is `skipped`, a non-strict xpass is `passed` (pytest itself fails a strict xpass);
  `frames` are absolute paths, outermost first, and only for failures and errors.
- `{"kind": "collection_error", "node_id", "message"}` for a file pytest could not collect.
- `{"kind": "tamper", "event", "detail", "files"}` when code running with a file of the
  rootdir on its stack used a mechanism that can rewrite verdicts (a trace or profile
  function, swapping a function's code, walking the heap, ctypes, the process's own
  descriptors in /proc): `files` are the rootdir's files on the stack, absolute.
- `{"kind": "session_end", "exit_status"}`, the last line, written by the runner after
  pytest returned.

When the environment variable named by `COVERAGE_ENV` is `1`, each test line also has
`"lines": {absolute path: [line, ...]}`: the lines of project files the test executed
(setup, call and teardown), measured with coverage.py, one dynamic context per test.
Project files are the `.py` files under the rootdir that are not test files; nothing else
is measured. Runs without it import no coverage.py and measure nothing. When coverage.py
cannot be imported by the sandbox's interpreter, a coverage run says so on stderr (so in
the run's output) and its test lines carry no `lines`.

Test code runs in the same process, so this report is not proof against it: the host
checks it (one verdict per test, a `session_end` that matches the exit status the kernel
reported, no tamper lines) and grading adds its own checks; see the README's security
section for what that guarantees.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

REPORT_FD = 3
"""Where a run's report channel arrives; `start_run` moves it elsewhere and closes this one."""

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


COVERAGE_MISSING = "fixloop: this coverage run records no lines: coverage.py cannot be imported here"
"""How a coverage run without coverage.py starts its note on stderr."""

_GLOB_CHARACTERS = frozenset("*?[]")


class LineTracer:
    """Records which lines of project files run between `start()` and `stop()`, per test.

    Backed by coverage.py (started at the first `start()`, measuring only files under the
    root): each `start()` switches to a fresh dynamic context and `stop()` reads back the
    lines recorded in it. The warm worker's fast path drives it with the same two calls.
    When coverage.py is missing, it notes that once on stderr and `stop()` returns None.
    """

    def __init__(self, root: str) -> None:
        self._root = os.path.realpath(root) + os.sep
        self._coverage: Any = None
        self._context = ""
        self._tests = 0
        self._started = False
        try:
            import coverage
        except ImportError as exc:
            print(
                f"{COVERAGE_MISSING} ({exc}); install coverage>=7 into the interpreter the sandbox runs "
                f"({sys.executable})",
                file=sys.stderr,
            )
            return
        # No configuration file of the workspace's may change what is measured, and no data
        # file is written: the lines are read back in this process.
        include = None if _GLOB_CHARACTERS & set(self._root) else [f"{self._root}*"]
        self._coverage = coverage.Coverage(data_file=None, config_file=False, include=include)
        self._coverage.set_option(
            "run:disable_warnings", ["no-data-collected", "module-not-measured", "couldnt-parse"]
        )

    def start(self) -> None:
        if self._coverage is None:
            return
        if not self._started:
            self._coverage.start()
            self._started = True
        self._tests += 1
        self._context = f"fixloop-test-{self._tests}"
        self._coverage.switch_context(self._context)

    def stop(self) -> dict[str, list[int]] | None:
        """The project lines run since `start`, by absolute path; None without coverage.py."""
        if self._coverage is None:
            return None
        self._coverage.switch_context("")
        data = self._coverage.get_data()
        data.set_query_contexts([f"^{re.escape(self._context)}$"])
        lines: dict[str, list[int]] = {}
        for path in data.measured_files():
            if not path.startswith(self._root) or _is_test_file(path[len(self._root) :]):
                continue
            numbers = data.lines(path)
            if numbers:
                lines[path] = sorted(numbers)
        return lines


class ReportWriter:
    """Folds test reports into verdicts and writes them down the report channel."""

    def __init__(self, fd: int, invocation_dir: str, tracer: LineTracer | None = None) -> None:
        self._fd = fd
        self._invocation_dir = invocation_dir
        self._verdicts: dict[str, _Verdict] = {}
        self._tracer = tracer

    def _write(self, line: dict[str, Any]) -> None:
        write_line(self._fd, line)

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


_os_write = os.write
_encode = json.JSONEncoder().encode
"""Bound when this module is imported, before any test code: code under test that later
replaces `os.write` or `json.dumps` does not change what the report says."""

_channel: int | None = None


def write_line(fd: int, line: dict[str, Any]) -> None:
    """Write one report line with one `os.write`: no buffer to lose on a kill."""
    _os_write(fd, (_encode(line) + "\n").encode())


_CONFIG_FILES = (
    ("pytest.toml", ""),
    (".pytest.toml", ""),
    ("pytest.ini", ""),
    (".pytest.ini", ""),
    ("pyproject.toml", "[tool.pytest"),
    ("tox.ini", "[pytest]"),
    ("setup.cfg", "[tool:pytest]"),
)
"""pytest's configuration files in the order it looks for them, with the section a shared
file must have to count."""


def config_args(rootdir: str) -> list[str]:
    """`-c` naming the rootdir's own pytest configuration (or an empty one), and the
    rootdir as the place conftest.py files are looked for from.

    pytest otherwise also reads configuration and conftest.py files from the directories
    above the rootdir, and one of those (`/tmp`, say) may be writable by another run's
    test code.
    """
    cut = f"--confcutdir={rootdir}"
    for name, section in _CONFIG_FILES:
        path = os.path.join(rootdir, name)
        if not os.path.isfile(path):
            continue
        if not section:
            return ["-c", path, cut]
        with open(path, encoding="utf-8", errors="replace") as handle:
            if section in handle.read(1 << 20):
                return ["-c", path, cut]
    return ["-c", os.devnull, cut]


def start_run(rootdir: str) -> int:
    """Take the run's report channel from `REPORT_FD` and start watching for tampering.

    Call before any test code runs. The channel moves to a new close-on-exec descriptor
    (returned, and used by the plugin from now on) so `REPORT_FD` is closed and
    subprocesses of the tests never inherit it.
    """
    global _channel
    _channel = os.dup(REPORT_FD)
    os.close(REPORT_FD)
    sys.addaudithook(_TamperWatch(_channel, rootdir))
    return _channel


def end_run(exit_status: int) -> None:
    """The report's last line: pytest returned `exit_status`. Call just before exiting."""
    if _channel is not None:
        write_line(_channel, {"kind": "session_end", "exit_status": exit_status})


_WATCHED_EVENTS = frozenset(
    {
        "sys.settrace",
        "sys.setprofile",
        "sys.addaudithook",
        "gc.get_objects",
        "gc.get_referrers",
        "gc.get_referents",
        "ctypes.dlopen",
        "ctypes.dlsym",
        "ctypes.cdata",
        "ctypes.addressof",
    }
)
"""Audit events of mechanisms that can rewrite verdicts in this process."""

_WATCHED_PATHS = ("/proc/self/fd", "/proc/self/mem", "/proc/thread-self", "/dev/fd")


class _TamperWatch:
    """An audit hook (it cannot be removed) that reports watched events to the channel.

    An event counts only when a file under the rootdir is on the stack, so pytest's own
    machinery and the coverage tracer never trip it; the host decides which of those
    files matter (grading: the ones the agent changed).
    """

    def __init__(self, fd: int, rootdir: str) -> None:
        self._fd = fd
        self._root = os.path.realpath(rootdir) + os.sep
        self._proc_self = f"/proc/{os.getpid()}/"
        self._busy = False

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if event in _WATCHED_EVENTS:
            detail = ""
        elif event == "object.__setattr__" and len(args) > 1 and args[1] == "__code__":
            detail = "__code__"
        elif event in ("open", "os.listdir") and args and isinstance(args[0], str):
            path = args[0]
            if not (path.startswith(_WATCHED_PATHS) or path.startswith(self._proc_self)):
                return
            detail = path
        else:
            return
        if self._busy:
            return
        self._busy = True
        try:
            files = self._rootdir_files()
            if files:
                write_line(self._fd, {"kind": "tamper", "event": event, "detail": detail, "files": files})
        except Exception:  # a report the hook cannot write is missing, which the host notices
            pass
        finally:
            self._busy = False

    def _rootdir_files(self) -> list[str]:
        found: list[str] = []
        frame: FrameType | None = sys._getframe(2)
        while frame is not None:
            name = frame.f_code.co_filename
            if name.startswith(self._root) and name not in found:
                found.append(name)
            frame = frame.f_back
        return found


def pytest_configure(config: pytest.Config) -> None:
    if _channel is None:
        return
    tracer = LineTracer(str(config.rootpath)) if os.environ.get(COVERAGE_ENV) == "1" else None
    writer = ReportWriter(_channel, str(config.invocation_params.dir), tracer)
    config.pluginmanager.register(writer, "fixloop_report_writer")
