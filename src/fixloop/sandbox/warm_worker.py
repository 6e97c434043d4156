"""The host side of a warm worker: start it, send it one test run at a time, stop it.

The worker itself (`worker_program.py`) runs inside the sandbox; this class only speaks
its protocol, one JSON line each way per run, and watches the clock. It never trusts the
worker: an answer that does not arrive in time, a closed pipe or a malformed line all mean
the worker is dead (`WorkerDied`), and it is killed.
"""

from __future__ import annotations

import contextlib
import json
import os
import selectors
import signal
import subprocess
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, NoReturn

from pydantic import BaseModel, ValidationError

ANSWER_GRACE_S = 10.0
"""How long past a run's wall timeout the worker may take to answer before it counts as hung."""

RECYCLE_TIMEOUT_S = 10.0
"""How long the worker may take to clear an episode away (`recycle`)."""


class WorkerDied(RuntimeError):
    """The worker exited, hung, or spoke garbage; it has been killed. The message says how."""


class WorkerRequest(BaseModel):
    """One test run, as the worker receives it."""

    workspace: str
    targets: list[str]
    coverage: bool
    env: dict[str, str]
    timeout_s: float
    memory_bytes: int
    cpu_seconds: int
    max_processes: int
    max_file_bytes: int
    max_output_bytes: int


class WorkerAnswer(BaseModel):
    """What the worker says about one run; `report` holds the report plugin's JSON lines."""

    exit_code: int
    timed_out: bool
    duration_s: float
    output: str
    output_truncated: bool
    report: str
    runner: Literal["fast", "pytest"]
    setup_failed: bool = False
    """The child failed before test code ran (its privileges, limits or the workspace): the
    sandbox's own failure, whose output says why."""


class WarmWorker:
    """One worker process, started at construction; call `close()` to stop it.

    `argv` starts the worker (with its isolation), in its own session; `env` is its whole
    environment. Construction does not wait for the worker to be ready: the first `run`
    does, for at most `start_timeout_s`. Not thread-safe: one run at a time.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str],
        cwd: Path,
        start_timeout_s: float = 60.0,
    ) -> None:
        # Closed by `close()`: the worker's stderr, for the message when it dies.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115
        self.ready = False
        self._buffer = b""
        self._start_deadline = time.monotonic() + start_timeout_s
        try:
            self._process = subprocess.Popen(
                list(argv),
                cwd=cwd,
                env=dict(env),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._log,
                start_new_session=True,
            )
        except OSError as exc:
            self._log.close()
            raise WorkerDied(f"could not start the warm worker ({argv[0]}): {exc}") from exc

    def run(self, request: WorkerRequest) -> WorkerAnswer:
        """Have the worker run `request` and return its answer; raises `WorkerDied`."""
        self._send(request.model_dump_json().encode())
        line = self._read_line(time.monotonic() + request.timeout_s + ANSWER_GRACE_S, "answer")
        try:
            return WorkerAnswer.model_validate_json(line)
        except ValidationError as exc:
            self._die(f"it answered garbage ({exc.errors()[0]['msg']}): {line[:200]!r}")

    def recycle(self) -> None:
        """Have the worker leave nothing of its episode for the next one (its uid's IPC
        objects, its scratch directory, the code it knows by path: see `worker_program`);
        raises `WorkerDied`. The host empties the episode's directory itself."""
        self._send(b'{"recycle": true}')
        line = self._read_line(time.monotonic() + RECYCLE_TIMEOUT_S, "recycle answer")
        try:
            answer = json.loads(line)
        except ValueError:
            answer = None
        if answer != {"recycled": True}:
            self._die(f"it did not say it had recycled: {line[:200]!r}")

    def _send(self, message: bytes) -> None:
        """Write one request line, after waiting for the greeting the first time."""
        if not self.ready:
            greeting = self._read_line(self._start_deadline, "start")
            if not _says_ready(greeting):
                self._die(f"it did not say it was ready: {greeting[:200]!r}")
            self.ready = True
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(message + b"\n")
            self._process.stdin.flush()
        except (BrokenPipeError, ValueError) as exc:
            self._die(f"its request pipe is closed ({exc})")

    def _read_line(self, deadline: float, what: str) -> bytes:
        """The worker's next line; kills it and raises `WorkerDied` at the deadline or EOF."""
        assert self._process.stdout is not None
        fd = self._process.stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(fd, selectors.EVENT_READ)
            while b"\n" not in self._buffer:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    self._die(f"no {what} from it in time")
                if not selector.select(remaining):
                    continue
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    self._die(f"it exited before its {what}")
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line

    def _die(self, reason: str) -> NoReturn:
        log = self._log_tail()
        self.close()
        raise WorkerDied(f"the warm worker died: {reason}{log}")

    def _log_tail(self) -> str:
        with contextlib.suppress(ValueError, OSError):
            self._log.seek(0)
            text = self._log.read()[-2000:].decode(errors="replace").strip()
            return f"; its log:\n{text}" if text else ""
        return ""

    @property
    def alive(self) -> bool:
        return self._process.poll() is None

    def close(self) -> None:
        """Kill the worker and everything in its session. Idempotent."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        for pipe in (self._process.stdin, self._process.stdout, self._log):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()


def _says_ready(line: bytes) -> bool:
    try:
        greeting = json.loads(line)
    except ValueError:
        return False
    return isinstance(greeting, dict) and greeting.get("ready") is True
