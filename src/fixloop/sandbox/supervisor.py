"""Run one child process under a wall-clock deadline, capturing its bounded output."""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fixloop.sandbox.base import SandboxError
from fixloop.sandbox.output_capture import HeadTailBuffer

KILL_GRACE_S = 2.0
"""How long output is still read after the kill, from whatever still holds the pipe."""

POLL_INTERVAL_S = 0.05
"""Exit polling period where the platform has no pidfd to wait on."""


@dataclass(frozen=True)
class SupervisedRun:
    """What happened to the child: exit status (a death by signal N is 128 + N), time, output."""

    exit_code: int
    timed_out: bool
    duration_s: float
    output: str
    output_truncated: bool


def kill_process_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's process group (the child leads it: it was started in a new session)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def _has_exited(process: subprocess.Popen[bytes]) -> bool:
    # WNOWAIT leaves the child a zombie: its pid, and so its process group id, cannot be
    # reused before we have killed the rest of the group and reaped it.
    return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _exit_notifier(process: subprocess.Popen[bytes]) -> int | None:
    """A descriptor that becomes readable when the child exits, where Linux offers one."""
    try:
        return os.pidfd_open(process.pid)
    except (AttributeError, OSError):
        return None


def supervise(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    timeout_s: float,
    max_output_bytes: int,
    pass_fds: Sequence[int] = (),
) -> SupervisedRun:
    """Run `argv` in a new session with stdout+stderr captured, for at most `timeout_s`.

    The pipe is drained all along, so a chatty child never blocks, and only the head and
    tail within `max_output_bytes` are kept. When the child exits, or at the deadline,
    its whole process group is killed (SIGKILL), so nothing the run started outlives it,
    unless it left the group, which only a PID namespace prevents.

    Raises `SandboxError` when the child cannot be started at all.
    """
    started = time.monotonic()
    try:
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
        )
    except OSError as exc:
        raise SandboxError(f"could not start {argv[0]}: {exc}") from exc
    assert process.stdout is not None
    output = HeadTailBuffer(max_output_bytes)
    exit_fd = _exit_notifier(process)
    timed_out = False
    with process.stdout as pipe, selectors.DefaultSelector() as selector:
        try:
            selector.register(pipe, selectors.EVENT_READ)
            if exit_fd is not None:
                selector.register(exit_fd, selectors.EVENT_READ)
            deadline = started + timeout_s
            while not _has_exited(process):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    timed_out = True
                    break
                wait = remaining if exit_fd is not None else min(remaining, POLL_INTERVAL_S)
                _pump(selector, pipe.fileno(), output, wait)
            kill_process_group(process)
            if exit_fd is not None:
                selector.unregister(exit_fd)
            drain_until = time.monotonic() + KILL_GRACE_S
            while selector.get_map() and (left := drain_until - time.monotonic()) > 0:
                _pump(selector, pipe.fileno(), output, left)
        finally:
            if exit_fd is not None:
                os.close(exit_fd)
            kill_process_group(process)
            returncode = process.wait()
    return SupervisedRun(
        exit_code=128 - returncode if returncode < 0 else returncode,
        timed_out=timed_out,
        duration_s=time.monotonic() - started,
        output=output.text(),
        output_truncated=output.truncated,
    )


def _pump(selector: selectors.BaseSelector, fd: int, output: HeadTailBuffer, wait: float) -> None:
    """Wait up to `wait` seconds and read what the pipe has; unregister it at end of file."""
    for key, _ in selector.select(wait):
        if key.fd != fd:
            continue
        chunk = os.read(fd, 1 << 16)
        if chunk:
            output.feed(chunk)
        else:
            selector.unregister(key.fileobj)
