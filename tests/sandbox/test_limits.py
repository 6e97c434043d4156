"""Resource limits the launcher applies in both sandboxes."""

from __future__ import annotations

import signal
from collections.abc import Callable
from pathlib import Path

from fixloop.sandbox import SandboxLimits, TestOutcome
from fixloop.sandbox.pytest_sandbox import PytestSandbox

WriteRepo = Callable[[dict[str, str]], Path]


def test_a_file_larger_than_the_limit_cannot_be_written(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo(
        {
            "test_big.py": """
                import errno
                import pytest

                def test_big_file():
                    with pytest.raises(OSError) as raised, open("big.bin", "wb") as big:
                        big.write(b"x" * 2_000_000)
                        big.flush()
                    assert raised.value.errno == errno.EFBIG
            """
        }
    )

    result = sandbox.run_tests(workspace, limits=SandboxLimits(max_file_bytes=1_000_000))

    assert result.outcome_of("test_big.py::test_big_file") == TestOutcome.passed, result.output
    assert (workspace / "big.bin").stat().st_size <= 1_000_000


def test_the_cpu_limit_stops_a_busy_test_before_the_wall_timeout(
    sandbox: PytestSandbox, write_repo: WriteRepo
) -> None:
    workspace = write_repo({"test_busy.py": "def test_busy():\n    while True:\n        pass\n"})

    result = sandbox.run_tests(workspace, limits=SandboxLimits(timeout_s=10, cpu_s=1))

    assert not result.timed_out
    assert result.exit_code == 128 + signal.SIGXCPU
    assert result.duration_s < 5
