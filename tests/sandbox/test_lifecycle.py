"""Sandboxes can run many times without leaking, and clean up after themselves."""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from fixloop.sandbox import BwrapSandbox, ProcessSandbox, SandboxError, TestOutcome
from fixloop.sandbox import process_sandbox as process_sandbox_module
from fixloop.sandbox.pytest_sandbox import PytestSandbox

WriteRepo = Callable[[dict[str, str]], Path]


@pytest.fixture
def private_tempdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary directory of our own, so other processes' temp files do not interfere."""
    tempdir = tmp_path / "tempdir"
    tempdir.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tempdir))
    return tempdir


def _children() -> list[str]:
    tasks = Path(f"/proc/{os.getpid()}/task")
    return [pid for task in tasks.iterdir() for pid in (task / "children").read_text().split()]


@pytest.mark.parametrize("kind", [ProcessSandbox, BwrapSandbox], ids=["process", "bwrap"])
def test_repeated_runs_leak_no_descriptors_processes_or_temp_dirs(
    kind: type[PytestSandbox],
    request: pytest.FixtureRequest,
    private_tempdir: Path,
    write_repo: WriteRepo,
) -> None:
    if kind is BwrapSandbox:
        request.getfixturevalue("needs_bwrap")
    workspace = write_repo({"test_ok.py": "def test_ok():\n    pass\n"})
    # Other tests' sandboxes may keep idle warm workers: children of this process, not ours.
    others = set(_children())
    with kind() as sandbox:
        sandbox.run_tests(workspace)
        descriptors = len(os.listdir("/proc/self/fd"))
        results = [sandbox.run_tests(workspace) for _ in range(3)]
        assert len(os.listdir("/proc/self/fd")) == descriptors
        assert set(_children()) - others == set()
        assert [entry.name[:16] for entry in private_tempdir.iterdir()] == ["fixloop-support-"]
    assert all(result.passed == 1 for result in results)
    assert list(private_tempdir.iterdir()) == []


def test_close_is_idempotent_and_a_closed_sandbox_refuses_to_run(
    private_tempdir: Path, write_repo: WriteRepo
) -> None:
    sandbox = ProcessSandbox()
    sandbox.close()
    sandbox.close()

    with pytest.raises(SandboxError, match="closed"):
        sandbox.run_tests(write_repo({"test_ok.py": "def test_ok():\n    pass\n"}))
    assert list(private_tempdir.iterdir()) == []


def test_a_missing_workspace_raises_sandbox_error(sandbox: PytestSandbox, tmp_path: Path) -> None:
    with pytest.raises(SandboxError, match="not a directory"):
        sandbox.run_tests(tmp_path / "absent")


def test_a_sandbox_that_cannot_start_raises_sandbox_error(write_repo: WriteRepo) -> None:
    with BwrapSandbox(bwrap="/bin/false") as broken, pytest.raises(SandboxError, match="did not start"):
        broken.run_tests(write_repo({"test_ok.py": "def test_ok():\n    pass\n"}))


def test_the_process_sandbox_warns_once_about_reduced_isolation(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(process_sandbox_module, "_warned", False)
    with caplog.at_level(logging.WARNING, logger=process_sandbox_module.__name__):
        ProcessSandbox().close()
        ProcessSandbox().close()

    (record,) = caplog.records
    assert "no network or filesystem isolation" in record.getMessage()
    assert "bubblewrap" in record.getMessage()


def test_a_test_can_write_files_in_the_workspace(sandbox: PytestSandbox, write_repo: WriteRepo) -> None:
    workspace = write_repo(
        {"test_write.py": "def test_write():\n    open('made-by-test.txt', 'w').write('hi')\n"}
    )

    result = sandbox.run_tests(workspace)

    assert result.outcome_of("test_write.py::test_write") == TestOutcome.passed, result.output
    assert (workspace / "made-by-test.txt").read_text() == "hi"
