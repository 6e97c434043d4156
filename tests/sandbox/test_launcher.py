"""The launcher applies limits before exec and reports on its status pipe whether it got there."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fixloop.sandbox import launcher

LIMIT_ARGS = [
    "--memory-bytes", str(512 * 1024 * 1024),
    "--cpu-seconds", "7",
    "--max-processes", "40",
    "--max-file-bytes", "123456",
]  # fmt: skip


def _launch(program: list[str]) -> tuple[subprocess.CompletedProcess[str], bytes]:
    """Run the launcher on `program`; return the completed process and the status it wrote."""
    status_read, status_write = os.pipe()
    try:
        completed = subprocess.run(
            [sys.executable, "-I", "-S", launcher.__file__, *LIMIT_ARGS,
             "--status-fd", str(status_write), "--", *program],
            pass_fds=(status_write,),
            capture_output=True,
            text=True,
            check=False,
        )  # fmt: skip
    finally:
        os.close(status_write)
    with os.fdopen(status_read, "rb") as status:
        return completed, status.read()


def test_the_program_runs_with_the_limits_applied() -> None:
    probe = (
        "import resource as r;"
        "print([r.getrlimit(k)[0] for k in"
        " (r.RLIMIT_AS, r.RLIMIT_CPU, r.RLIMIT_NPROC, r.RLIMIT_FSIZE, r.RLIMIT_CORE)])"
    )

    completed, status = _launch([sys.executable, "-c", probe])

    assert status == launcher.READY
    assert completed.stdout.strip() == str([512 * 1024 * 1024, 7, 40, 123456, 0])


def test_the_status_pipe_is_closed_to_the_program() -> None:
    completed, _ = _launch([sys.executable, "-c", "import os; print(sorted(os.listdir('/proc/self/fd')))"])

    assert completed.stdout.strip() == "['0', '1', '2', '3']"  # 3: listdir's own descriptor


def test_an_exec_failure_is_reported_on_the_status_pipe(tmp_path: Path) -> None:
    completed, status = _launch([str(tmp_path / "no-such-program")])

    assert completed.returncode == 127
    assert status.startswith(launcher.READY + launcher.EXEC_FAILED)
