"""Warm workers: one per episode, restarted once when they die, never trusted, always ended."""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

import pytest

from fixloop.sandbox import (
    BwrapSandbox,
    ProcessSandbox,
    SandboxLimits,
    TestOutcome,
    warm_worker,
)
from fixloop.sandbox.pytest_sandbox import PytestSandbox
from fixloop.sandbox.warm_worker import WarmWorker, WorkerDied, WorkerRequest
from tests.sandbox.conftest import WriteRepo

PASSING = {"test_ok.py": "def test_ok():\n    assert True\n"}


def _request(workspace: Path, timeout_s: float = 5.0) -> WorkerRequest:
    return WorkerRequest(
        workspace=str(workspace),
        targets=[],
        coverage=False,
        env={},
        timeout_s=timeout_s,
        memory_bytes=1 << 30,
        cpu_seconds=10,
        max_processes=64,
        max_file_bytes=1 << 20,
        max_output_bytes=10_000,
    )


def _fake_worker(tmp_path: Path, body: str) -> WarmWorker:
    """A WarmWorker whose process is a small script standing in for the real worker."""
    script = tmp_path / "fake_worker.py"
    script.write_text(body)
    return WarmWorker([sys.executable, str(script)], env={}, cwd=tmp_path, start_timeout_s=5)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("import sys\nsys.exit(3)\n", "exited before its start"),
        ("print('hello', flush=True)\n", "did not say it was ready"),
        (
            "print('{\"ready\": true}', flush=True)\ninput()\nprint('garbage', flush=True)\n",
            "answered garbage",
        ),
        (
            "import time\nprint('{\"ready\": true}', flush=True)\ninput()\ntime.sleep(60)\n",
            "no answer from it in time",
        ),
    ],
)
def test_a_worker_that_breaks_its_protocol_is_killed_and_reported_dead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, reason: str
) -> None:
    monkeypatch.setattr(warm_worker, "ANSWER_GRACE_S", 0.5)
    worker = _fake_worker(tmp_path, body)

    with pytest.raises(WorkerDied, match=reason):
        worker.run(_request(tmp_path, timeout_s=0.5))

    assert not worker.alive


def test_runs_in_an_episode_are_served_warm_and_others_per_run(
    process_sandbox: ProcessSandbox, write_repo: WriteRepo, tmp_path: Path
) -> None:
    workspace = write_repo(PASSING)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "test_ok.py").write_text(PASSING["test_ok.py"])
    process_sandbox.start_episode(workspace)
    try:
        inside_run = process_sandbox.run_tests(workspace)
        outside_run = process_sandbox.run_tests(outside)
    finally:
        process_sandbox.end_episode(workspace)
    after_run = process_sandbox.run_tests(workspace)

    assert inside_run.runner.startswith("warm-")
    assert (outside_run.runner, after_run.runner) == ("per-run", "per-run")
    assert inside_run.passed == outside_run.passed == after_run.passed == 1


def test_what_the_fast_path_does_not_cover_runs_under_real_pytest_in_the_worker(
    process_sandbox: ProcessSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "pytest.ini": "[pytest]\nmarkers =\n    slow: a slow test\n",
            "test_marked.py": "import pytest\n\n@pytest.mark.slow\ndef test_slow():\n    assert 1 == 2\n",
        }
    )
    process_sandbox.start_episode(workspace)
    try:
        runs = [process_sandbox.run_tests(workspace) for _ in range(2)]
    finally:
        process_sandbox.end_episode(workspace)

    assert [run.runner for run in runs] == ["warm-pytest", "warm-pytest"]
    assert [run.outcome_of("test_marked.py::test_slow") for run in runs] == [TestOutcome.failed] * 2
    assert "assert 1 == 2" in runs[1].output


def test_a_sandbox_with_warm_off_runs_everything_per_run(write_repo: WriteRepo) -> None:
    workspace = write_repo(PASSING)
    with ProcessSandbox(warm=False) as sandbox:
        sandbox.start_episode(workspace)
        result = sandbox.run_tests(workspace)

    assert (result.runner, result.passed) == ("per-run", 1)


def _kill_worker(sandbox: PytestSandbox, episode: Path) -> None:
    """Kill the episode's worker as test code able to signal it would (without root's uid drop)."""
    worker = sandbox._episodes[episode.resolve()].worker
    assert worker is not None
    worker._process.kill()
    worker._process.wait()


def test_a_run_whose_worker_died_is_served_per_run_and_the_worker_restarted(
    process_sandbox: ProcessSandbox, write_repo: WriteRepo, caplog: pytest.LogCaptureFixture
) -> None:
    workspace = write_repo(PASSING)
    process_sandbox.start_episode(workspace)
    try:
        process_sandbox.run_tests(workspace)
        _kill_worker(process_sandbox, workspace)
        with caplog.at_level(logging.WARNING):
            after_death = process_sandbox.run_tests(workspace)
        after_restart = process_sandbox.run_tests(workspace)
    finally:
        process_sandbox.end_episode(workspace)

    assert (after_death.runner, after_death.passed) == ("per-run", 1)
    assert (after_restart.runner, after_restart.passed) == ("warm-fast", 1)
    assert "this run goes per run" in caplog.text


def test_after_a_second_death_the_episode_runs_per_run_and_never_fails(
    process_sandbox: ProcessSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(PASSING)
    process_sandbox.start_episode(workspace)
    try:
        process_sandbox.run_tests(workspace)
        _kill_worker(process_sandbox, workspace)
        process_sandbox.run_tests(workspace)
        process_sandbox.run_tests(workspace)
        _kill_worker(process_sandbox, workspace)
        runs = [process_sandbox.run_tests(workspace) for _ in range(2)]
    finally:
        process_sandbox.end_episode(workspace)

    assert [(run.runner, run.passed) for run in runs] == [("per-run", 1)] * 2


def test_a_worker_that_cannot_start_falls_back_to_per_run_with_a_warning(
    write_repo: WriteRepo, caplog: pytest.LogCaptureFixture
) -> None:
    workspace = write_repo(PASSING)
    with ProcessSandbox() as sandbox:
        sandbox._support.worker.write_text("raise SystemExit('this machine cannot run workers')\n")
        sandbox.start_episode(workspace)
        with caplog.at_level(logging.WARNING):
            first, second = sandbox.run_tests(workspace), sandbox.run_tests(workspace)

    assert (first.runner, second.runner) == ("per-run", "per-run")
    assert first.passed == second.passed == 1
    assert "cannot run workers" in caplog.text


def _worker_pids(sandbox: PytestSandbox) -> list[int]:
    return [
        episode.worker._process.pid for episode in sandbox._episodes.values() if episode.worker is not None
    ]


def test_ending_an_episode_or_closing_the_sandbox_stops_its_worker(
    write_repo: WriteRepo, tmp_path: Path
) -> None:
    first = write_repo(PASSING)
    second = tmp_path / "second"
    second.mkdir()
    with ProcessSandbox() as sandbox:
        sandbox.start_episode(first)
        sandbox.start_episode(second)
        sandbox.run_tests(first)
        pids = _worker_pids(sandbox)
        sandbox.end_episode(first)
        assert len(_worker_pids(sandbox)) == 1
    time.sleep(0.1)

    assert len(pids) == 2
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.skipif(
    os.geteuid() != 0, reason="test code runs under its own uid only when fixloop runs as root"
)
def test_under_bwrap_test_code_cannot_signal_its_worker(
    bwrap_sandbox: BwrapSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_kill.py": """
                import os
                import signal
                import pytest

                def test_cannot_kill_the_worker():
                    with pytest.raises(PermissionError):
                        os.kill(os.getppid(), signal.SIGKILL)
            """
        }
    )
    bwrap_sandbox.start_episode(workspace)
    try:
        result = bwrap_sandbox.run_tests(workspace)
    finally:
        bwrap_sandbox.end_episode(workspace)

    assert result.passed == 1, result.output
    assert result.runner.startswith("warm-")


@pytest.mark.skipif(
    os.geteuid() != 0, reason="a worker kills leftovers by uid only when fixloop runs as root"
)
def test_a_background_process_left_by_a_run_does_not_outlive_it(
    bwrap_runs: BwrapSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_daemon.py": """
                import os
                import time

                def test_leaves_a_daemon():
                    if os.fork() == 0:
                        os.setsid()
                        while True:
                            with open("heartbeat", "a") as beat:
                                beat.write(".")
                            time.sleep(0.05)
                    while not os.path.exists("heartbeat"):  # the daemon is alive
                        time.sleep(0.01)
            """
        }
    )

    result = bwrap_runs.run_tests(workspace, limits=SandboxLimits(timeout_s=10))

    assert result.passed == 1, result.output
    time.sleep(0.3)  # the kill is asynchronous
    size = (workspace / "heartbeat").stat().st_size
    time.sleep(0.3)
    assert (workspace / "heartbeat").stat().st_size == size, "the daemon outlived its run"
