"""The first program a per-run sandbox runs: drop privileges, apply resource limits, exec pytest.

Its `drop_privileges` and `apply_limits` also serve the warm worker's children.

This file is copied into the sandbox as `fixloop_launcher.py` and run with `python -I -S`,
so it imports only the standard library and nothing from the workspace can shadow it.

    python -I -S fixloop_launcher.py [--uid U --gid G] --memory-bytes N --cpu-seconds N
        --max-processes N --max-file-bytes N --status-fd FD [--report-path P] -- PROGRAM ARG...

With `--report-path`, it opens P for appending before it drops privileges and hands it to
the program as descriptor `REPORT_FD`: the run's report channel. Opened as root, in a
directory only root can enter, the file cannot be reached by name from test code.

Just before `execv`, it writes `ready` to the status descriptor; if the exec fails it
appends `failed: <reason>` and exits 127, so exactly `ready` means the program started.
The descriptor is close-on-exec, so the program (and the code under test) never holds it:
only the launcher can say the sandbox started, and the parent can tell an infrastructure
failure from a test that crashed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from typing import NoReturn

READY = b"ready"
REPORT_FD = 3
"""Where the program finds the report channel; must match `report_plugin.REPORT_FD`."""
EXEC_FAILED = b"failed: "
EXEC_RETRY_S = 2.0


def _limit(kind: int, soft: int, hard: int | None = None) -> None:
    """Set a limit (hard defaults to soft), never above the hard limit already in force."""
    hard = soft if hard is None else hard
    _, current_hard = resource.getrlimit(kind)
    if current_hard != resource.RLIM_INFINITY:
        soft, hard = min(soft, current_hard), min(hard, current_hard)
    resource.setrlimit(kind, (soft, hard))


def drop_privileges(uid: int, gid: int) -> None:
    """Become `uid`/`gid` with no supplementary groups (and no capabilities left)."""
    os.setgroups([])
    os.setgid(gid)
    os.setuid(uid)


def apply_limits(memory_bytes: int, cpu_seconds: int, max_processes: int, max_file_bytes: int) -> None:
    """Limit this process (and what it starts): address space, CPU, processes, file size, no
    core, and no POSIX message queues (they outlive their processes, and a sandbox cannot
    list them to remove them between episodes)."""
    _limit(resource.RLIMIT_AS, memory_bytes)
    # The soft CPU limit sends SIGXCPU; the hard one, a second later, SIGKILL.
    _limit(resource.RLIMIT_CPU, cpu_seconds, cpu_seconds + 1)
    _limit(resource.RLIMIT_NPROC, max_processes)
    _limit(resource.RLIMIT_FSIZE, max_file_bytes)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_MSGQUEUE, 0)


def _exec(program: list[str]) -> NoReturn:
    """`execv` the program, retrying a while if the kernel says the uid has too many processes.

    The processes of the previous run in this sandbox (same uid) are killed when it ends,
    but the kernel may still be reaping them: until it has, they count against
    RLIMIT_NPROC and `execv` fails with EAGAIN.
    """
    deadline = time.monotonic() + EXEC_RETRY_S
    while True:
        try:
            os.execv(program[0], program)
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fixloop_launcher")
    parser.add_argument("--uid", type=int, help="drop to this uid (needs CAP_SETUID)")
    parser.add_argument("--gid", type=int, help="drop to this gid (needs CAP_SETGID)")
    parser.add_argument("--memory-bytes", type=int, required=True)
    parser.add_argument("--cpu-seconds", type=int, required=True)
    parser.add_argument("--max-processes", type=int, required=True)
    parser.add_argument("--max-file-bytes", type=int, required=True)
    parser.add_argument("--status-fd", type=int, required=True)
    parser.add_argument("--report-path", help="open this file as the program's descriptor REPORT_FD")
    parser.add_argument("program", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.program[:1] == ["--"]:
        args.program = args.program[1:]
    if not args.program:
        parser.error("no program to run")
    if (args.uid is None) != (args.gid is None):
        parser.error("--uid and --gid go together")
    return args


def _open_report(path: str, status_fd: int) -> int:
    """Open the report file at `REPORT_FD` (inheritable); the status descriptor, returned,
    moves out of the way first if it was there."""
    if status_fd == REPORT_FD:
        status_fd = os.dup(status_fd)
    report = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    if report != REPORT_FD:
        os.dup2(report, REPORT_FD)
        os.close(report)
    os.set_inheritable(REPORT_FD, True)
    return status_fd


def main(argv: list[str]) -> int:
    args = _parse(argv)
    os.set_inheritable(args.status_fd, False)
    try:
        if args.report_path is not None:
            args.status_fd = _open_report(args.report_path, args.status_fd)
        # Drop first, then limit: an unprivileged process cannot raise its hard limits back.
        if args.uid is not None:
            drop_privileges(args.uid, args.gid)
        apply_limits(args.memory_bytes, args.cpu_seconds, args.max_processes, args.max_file_bytes)
        os.write(args.status_fd, READY)
        _exec(args.program)
    except OSError as exc:
        os.write(args.status_fd, EXEC_FAILED + str(exc).encode(errors="replace"))
        print(f"fixloop_launcher: {exc}", file=sys.stderr)
        return 127


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
