"""Test results as the agent sees them: the same state of the workspace, the same text.

A test run's text varies with things the agent did not do: pytest's timings, object
addresses (`<Foo object at 0x7f2e525d2680>`), where the host put the workspace
(`/tmp/fixloop-episode-…/fixloop-ws-…/`) and the run's temporary directories, thread and
process ids, the Python installation's paths, and fixloop's own support code, whose frames
can show in a traceback. Left in, two episodes taking the same steps see different
observations, a model's response cache misses on them, and RL rollouts cannot be replayed;
fixloop's frames would also show the agent the sandbox's internals.

This module is the one place that removes all of it, from the output and from each test's
failure message and frames (`stable_run`); `DebugEnv` passes every run through it. What
varies is replaced by a stable stand-in that keeps the text readable:

- workspace paths become relative to the workspace (the workspace itself is `.`);
- a run's temporary directory (`TMPDIR`, and pytest's base of `tmp_path`) is `<tmp>`, and
  `tempfile`'s random names in it are `tmp?`;
- the Python installation's directories are `<site-packages>` and `<stdlib>`;
- object addresses are `0x?`, mock ids `id='?'`, thread idents and process ids `?`;
- pytest's durations (the summary's, and `--durations` lines) are removed or `?`;
- traceback entries in fixloop's support modules (`fixloop_worker`, `fixloop_fast`,
  `fixloop_pytest`, `fixloop_report` ...) are dropped, and any other mention of their
  directory is `<fixloop>`.

What pytest itself cut short before fixloop sees it (`'/tmp/fixloop...ws-x/data.txt'`) can
keep a fragment of a varying value. Every pattern is matched in time linear in the text.
"""

from __future__ import annotations

import re
import sysconfig
from pathlib import Path

from fixloop.sandbox.base import TestRunResult, TracebackFrame

_TIMING = re.compile(r" in \d+(?:\.\d+)?s(?: \(\d+:\d\d:\d\d\))?(?= =*$| *$)", re.MULTILINE)
"""The session duration at the end of pytest's summary line ("2 failed in 0.05s")."""

_DURATIONS = re.compile(r"^\d+\.\d+s(?= (?:setup|call|teardown) )", re.MULTILINE)
_HIDDEN_DURATIONS = re.compile(r"^\(\d+ durations < ", re.MULTILINE)
"""`--durations` (an ini file's addopts may ask for it): one line per slow phase, and a count."""

_PATH_START = r"(?<![\w./~+-])/[^\s'\"]*?"
"""An absolute path from its first character on (so each is scanned once)."""

_SUPPORT_ENTRY = re.compile(
    r"^[^\s]*/fixloop-support-\w+/fixloop_\w+\.py:\d+: in .*\n(?:    .*\n)*", re.MULTILINE
)
"""A short-style traceback entry in a support module: its location line and its source."""

_SUPPORT_DIR = re.compile(_PATH_START + r"/fixloop-support-\w+(?=/)")
_WORKSPACE_DIR = re.compile(_PATH_START + r"/fixloop-ws-\w+(?:/|(?![\w/.-]))")
_RUN_TMP = re.compile(_PATH_START + r"/fixloop-(?:worker(?:-\w+)?/tmp-\w+|run-tmp-\w+)(?![\w-])")
_PYTEST_BASETEMP = re.compile(r"(?:<tmp>|" + _PATH_START + r")/pytest-of-[^/\s'\"]+/pytest-\d+(?!\d)")
_TEMPFILE_NAME = re.compile(r"(?:<tmp>|(?<![\w./~+-])/tmp)/tmp[a-z0-9_]{8}(?![\w])")
"""The directories a sandbox's runs get as `TMPDIR` (see the sandboxes), pytest's
`pytest-of-<user>/pytest-<n>` below it, and `tempfile`'s default random names in it."""

_ADDRESS = re.compile(r"(?<=\bat )0x[0-9a-fA-F]+|(?<=[Tt]hread )0x[0-9a-fA-F]+")
_MOCK_ID = re.compile(r"(?<= id=')\d+(?='>|\.\.\.)")
_THREAD_IDENT = re.compile(r"(?<=started |stopped )(daemon )?\d+(?=\)>)")
_PROCESS_ID = re.compile(r"(?<=\bpid=)\d+")
_PARENT_ID = re.compile(r"(?<=\bpid=\? parent=)\d+")
"""multiprocessing's `<Process name='Process-1' pid=12 parent=10 started>`."""


def _install_dirs() -> list[tuple[str, str]]:
    """The Python installation's library directories (one inside another first), with their
    stand-ins.

    Sandboxed runs use the host's interpreter, so these are the paths their tracebacks show.
    """
    paths = sysconfig.get_paths()
    dirs = {paths[name]: "<site-packages>" for name in ("purelib", "platlib")}
    dirs.update({paths[name]: "<stdlib>" for name in ("stdlib", "platstdlib") if paths[name] not in dirs})
    return sorted(((path.rstrip("/") + "/", name + "/") for path, name in dirs.items()), reverse=True)


_INSTALL_DIRS = _install_dirs()


def stable_test_output(output: str, workspace: Path | str | None = None) -> str:
    """`output` (test output, or a failure message) with what varies between identical
    states replaced (see the module docstring); paths under `workspace` become relative."""
    text = _SUPPORT_ENTRY.sub("", output)
    if workspace is not None:
        root = str(workspace).rstrip("/")
        text = text.replace(root + "/", "")
        text = re.sub(re.escape(root) + r"(?![\w/.-])", ".", text)
    text = _WORKSPACE_DIR.sub(lambda match: "" if match.group().endswith("/") else ".", text)
    text = _SUPPORT_DIR.sub("<fixloop>", text)
    text = _RUN_TMP.sub("<tmp>", text)
    text = _PYTEST_BASETEMP.sub("<tmp>", text)
    text = _TEMPFILE_NAME.sub("<tmp>/tmp?", text)
    for path, name in _INSTALL_DIRS:
        text = text.replace(path, name)
    text = _ADDRESS.sub("0x?", text)
    text = _MOCK_ID.sub("?", text)
    text = _THREAD_IDENT.sub(lambda match: (match.group(1) or "") + "?", text)
    text = _PROCESS_ID.sub("?", text)
    text = _PARENT_ID.sub("?", text)
    text = _DURATIONS.sub("?s", text)
    text = _HIDDEN_DURATIONS.sub("(? durations < ", text)
    return _TIMING.sub("", text)


def stable_run(run: TestRunResult, workspace: Path | str) -> TestRunResult:
    """`run` as the agent may see it: its output, its tests' failure messages and its
    collection errors through `stable_test_output`, and its frames without fixloop's own."""
    tests = [
        test.model_copy(
            update={
                "message": stable_test_output(test.message, workspace),
                "frames": [
                    _stable_frame(frame, workspace) for frame in test.frames if not _is_support(frame)
                ],
            }
        )
        for test in run.tests
    ]
    errors = [
        error.model_copy(update={"message": stable_test_output(error.message, workspace)})
        for error in run.collection_errors
    ]
    return run.model_copy(
        update={
            "output": stable_test_output(run.output, workspace),
            "tests": tests,
            "collection_errors": errors,
        }
    )


def _is_support(frame: TracebackFrame) -> bool:
    return "/fixloop-support-" in frame.path


def _stable_frame(frame: TracebackFrame, workspace: Path | str) -> TracebackFrame:
    path = stable_test_output(frame.path, workspace)
    return frame if path == frame.path else frame.model_copy(update={"path": path})
