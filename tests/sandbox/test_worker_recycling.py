"""Warm workers recycled between episodes: the next episode starts at once and inherits nothing.

`open_episode` hands out a directory of the sandbox's own; `end_episode` empties it and, as
root, keeps it with its worker for the next episode. Each test here plays two episodes on
one sandbox: the first leaves what test code can leave (files, a process, SysV IPC objects,
/tmp entries), the second looks for it.
"""

from __future__ import annotations

import os
import re
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixloop.sandbox import BwrapSandbox, ProcessSandbox, TestOutcome
from fixloop.sandbox.pytest_sandbox import MAX_IDLE_WORKERS, PytestSandbox

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="workers are recycled only as root")


@pytest.fixture(params=["process", "bwrap"])
def fresh_sandbox(request: pytest.FixtureRequest) -> Iterator[PytestSandbox]:
    """A new sandbox of each kind (its idle workers are this test's alone)."""
    if request.param == "bwrap":
        request.getfixturevalue("needs_bwrap")
    kind = BwrapSandbox if request.param == "bwrap" else ProcessSandbox
    with kind() as sandbox:
        yield sandbox


def play(sandbox: PytestSandbox, files: dict[str, str]) -> tuple[Path, str, TestOutcome | None]:
    """One episode: open, write `files` into a workspace, run its tests once, end it.
    Returns the episode's directory, how the run was served and the outcome of `test_probe`."""
    directory = sandbox.open_episode()
    workspace = directory / "repo"
    for name, source in files.items():
        path = workspace / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(source))
    try:
        result = sandbox.run_tests(workspace)
    finally:
        sandbox.end_episode(directory)
    return directory, result.runner, result.outcome_of("test_probe.py::test_probe")


def test_the_next_episode_gets_the_recycled_worker_and_an_empty_directory(fresh_sandbox):
    leave = {"test_probe.py": "def test_probe():\n    open('left.txt', 'w')\n"}
    first, _, outcome = play(fresh_sandbox, leave)
    assert outcome == TestOutcome.passed
    assert first.is_dir() and list(first.iterdir()) == []

    worker = fresh_sandbox._idle[0].worker
    second = fresh_sandbox.open_episode()
    try:
        assert second == first
        assert fresh_sandbox._episodes[second].worker is worker
        assert list(second.iterdir()) == []
    finally:
        fresh_sandbox.end_episode(second)


def test_nothing_test_code_leaves_reaches_the_next_episode(fresh_sandbox):
    leave = """
        import ctypes, os, subprocess, sys, tempfile

        def test_probe():
            libc = ctypes.CDLL(None, use_errno=True)
            assert libc.shmget(0, 4096, 0o1600) >= 0  # IPC_PRIVATE, IPC_CREAT | 0600
            with open(os.path.join(tempfile.gettempdir(), "..", "planted"), "w"):
                pass
            subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"], start_new_session=True)
    """
    look = """
        import os, tempfile

        def test_probe():
            with open("/proc/sysvipc/shm") as table:  # the segment is gone
                owners = [row.split()[7] for row in table.read().splitlines()[1:]]
            assert str(os.getuid()) not in owners
            assert not os.path.exists(os.path.join(tempfile.gettempdir(), "..", "planted"))
            def alive_and_mine(pid):  # a zombie (killed, not yet reaped) can do nothing
                try:
                    with open(f"/proc/{pid}/stat") as stat:
                        state = stat.read().rsplit(")", 1)[1].split()[0]
                    return os.stat(f"/proc/{pid}").st_uid == os.getuid() and state != "Z"
                except OSError:
                    return False

            others = [p for p in os.listdir("/proc") if p.isdigit() and p != str(os.getpid())]
            assert [p for p in others if alive_and_mine(p)] == []
    """
    play(fresh_sandbox, {"test_probe.py": leave})
    _, runner, outcome = play(fresh_sandbox, {"test_probe.py": look})
    assert runner == "warm-fast"
    assert outcome == TestOutcome.passed


def test_posix_message_queues_are_refused(fresh_sandbox):
    probe = """
        import ctypes, os

        def test_probe():
            rt = ctypes.CDLL("librt.so.1", use_errno=True)
            assert rt.mq_open(b"/fixloop-probe", os.O_CREAT | os.O_RDWR, 0o600, None) == -1
    """
    _, _, outcome = play(fresh_sandbox, {"test_probe.py": probe})
    assert outcome == TestOutcome.passed


def test_compiled_code_moved_to_another_path_reports_that_path(fresh_sandbox):
    failing = {
        "calc.py": "def add(a, b):\n    raise ArithmeticError(a - b)\n",
        "test_probe.py": "from calc import add\n\n\ndef test_probe():\n    assert add(2, 3) == 5\n",
    }
    first = fresh_sandbox.open_episode()
    try:
        outputs = []
        for name in ("one", "two"):  # the same bytes at two paths: the second is relocated
            workspace = first / name
            workspace.mkdir()
            for path, source in failing.items():
                (workspace / path).write_text(source)
            result = fresh_sandbox.run_tests(workspace)
            assert result.runner == "warm-fast"
            timing = re.compile(r" in [0-9.]+s")  # the one line that differs between two runs
            outputs.append((timing.sub("", result.output), [f.path for t in result.tests for f in t.frames]))
    finally:
        fresh_sandbox.end_episode(first)
    (one_output, one_frames), (two_output, two_frames) = outputs
    assert one_frames == two_frames == ["test_probe.py", "calc.py"]
    assert "raise ArithmeticError(a - b)" in two_output
    assert two_output == one_output


def test_idle_workers_are_bounded_and_closed_with_the_sandbox(fresh_sandbox):
    directories = [fresh_sandbox.open_episode() for _ in range(MAX_IDLE_WORKERS + 1)]
    for directory in directories:
        fresh_sandbox.end_episode(directory)
    kept = [directory for directory in directories if directory.exists()]
    assert len(kept) == len(fresh_sandbox._idle) == MAX_IDLE_WORKERS
    workers = [episode.worker for episode in fresh_sandbox._idle]
    fresh_sandbox.close()
    assert not any(directory.exists() for directory in directories)
    assert not any(worker is not None and worker.alive for worker in workers)


def test_a_run_the_worker_cannot_set_up_goes_per_run_and_shows_none_of_the_worker(fresh_sandbox):
    if fresh_sandbox.name != "bwrap":
        pytest.skip("the process sandbox lets its uid search private directories on the way to a workspace")
    directory = fresh_sandbox.open_episode()
    workspace = directory / "repo"
    workspace.mkdir()
    (workspace / "test_probe.py").write_text("def test_probe():\n    assert True\n")
    directory.chmod(0o700)  # test code's uid cannot enter the workspace: the child's chdir fails
    try:
        result = fresh_sandbox.run_tests(workspace)
    finally:
        directory.chmod(0o755)
        fresh_sandbox.end_episode(directory)
    assert result.runner == "per-run"
    assert result.outcome_of("test_probe.py::test_probe") == TestOutcome.passed
    assert "fixloop_worker" not in result.output
