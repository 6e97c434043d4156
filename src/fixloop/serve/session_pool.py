"""`SessionPool`: the server's sessions, their slots, their sandboxes and the idle reaper.

- **Slots.** At most `max_sessions` sessions exist. A new session at capacity first evicts
  the least recently active session that no socket serves (one whose socket dropped, or an
  HTTP session) and is not mid-operation; only when there is none is it refused with
  `CapacityReached`. So dead or abandoned clients can never hold every slot.
- **The reaper** is always on: a session idle longer than `session_timeout` is ended — its
  socket closed if one is still attached, its episode recorded, its workspace deleted and
  its warm worker stopped. A socket that dropped without a `close` frame leaves its session
  detached, and a client may re-attach with `?session_id=` until the reaper ends it.
- **Work off the loop.** Every blocking operation (resets, test runs, grading, the store)
  runs in a thread pool sized to the slots, one operation at a time per session.
- **Sandboxes** are made on demand, lent one per session with an environment, and reused.
- **Shutdown** ends every session (recording its episode) and closes every sandbox.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Literal, TypeVar

from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import EnvConfig
from fixloop.sandbox.base import Sandbox
from fixloop.serve.catalog import TaskCatalog
from fixloop.serve.served_run import ServedRun
from fixloop.serve.session import InvalidActions, Session
from fixloop.serve.wire import ResetParams

logger = logging.getLogger(__name__)

T = TypeVar("T")


class CapacityReached(RuntimeError):
    """Every slot is held by a live session."""

    def __init__(self, active: int, limit: int) -> None:
        super().__init__(f"the server is at capacity: {active} of {limit} sessions are in use; retry later")
        self.active = active
        self.limit = limit


class UnknownSession(KeyError):
    """No session has this id (never existed, ended, reaped), or it cannot be joined now."""

    def __str__(self) -> str:
        return str(self.args[0])


class SessionPool:
    """Owns every session of one server; used from the server's event loop."""

    def __init__(
        self,
        catalog: TaskCatalog,
        served_run: ServedRun,
        *,
        sandbox_factory: Callable[[], Sandbox],
        env_config: EnvConfig,
        max_sessions: int,
        session_timeout: float,
        invalid_actions: InvalidActions = "error",
    ) -> None:
        self.catalog = catalog
        self.served_run = served_run
        self.env_config = env_config
        self.invalid_actions = invalid_actions
        self.max_sessions = max_sessions
        self.session_timeout = session_timeout
        self._sandbox_factory = sandbox_factory
        self._sessions: dict[str, Session] = {}
        self._free_sandboxes: list[Sandbox] = []
        self._all_sandboxes: list[Sandbox] = []
        self._sandbox_lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=max_sessions + 2, thread_name_prefix="fixloop-serve")
        self._reaper: asyncio.Task[None] | None = None
        self.recorded = 0

    # ---- sessions --------------------------------------------------------------------------

    @property
    def active(self) -> int:
        return len(self._sessions)

    def capacity(self) -> dict[str, Any]:
        """Sessions in use, the limit, and how many sockets are attached."""
        attached = sum(session.attached for session in self._sessions.values())
        return {
            "active_sessions": self.active,
            "max_sessions": self.max_sessions,
            "attached_sockets": attached,
            "sandboxes": len(self._all_sandboxes),
            "episodes_recorded": self.recorded,
            "run": self.served_run.name,
        }

    async def open(self, transport: Literal["ws", "http"]) -> Session:
        """A new session (attached when it is a socket's). Raises CapacityReached."""
        if self.active >= self.max_sessions:
            victim = self._eviction_candidate()
            if victim is None:
                raise CapacityReached(self.active, self.max_sessions)
            await self.close(victim, "evicted: a new client needed its slot while no socket served it")
        session = Session(transport=transport, attached=transport == "ws")
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str) -> Session:
        """The live session `session_id`. Raises UnknownSession."""
        session = self._sessions.get(session_id)
        if session is None:
            raise UnknownSession(
                f"unknown session_id {session_id!r}: it never existed, was closed, or was idle longer "
                f"than {self.session_timeout:g} s; start a new session"
            )
        return session

    def attach(self, session_id: str) -> Session:
        """Re-attach a socket to the detached session `session_id`. Raises UnknownSession."""
        session = self.get(session_id)
        if session.attached:
            raise UnknownSession(f"session {session_id!r} already has a socket attached")
        session.attached = True
        session.touch()
        return session

    def detach(self, session: Session) -> None:
        """The session's socket dropped: keep it for a re-attach until the reaper ends it."""
        session.attached = False
        session.kick = None
        session.touch()

    async def close(self, session: Session, reason: str) -> None:
        """End `session` (see the module docstring); waits for its running operation."""
        if self._sessions.get(session.id) is not session:
            return
        del self._sessions[session.id]
        async with session.lock:
            trajectory = await self._blocking(session.close, reason)
            await self._record(trajectory)
            if session.sandbox is not None:
                with self._sandbox_lock:
                    self._free_sandboxes.append(session.sandbox)
                session.sandbox = None

    def _eviction_candidate(self) -> Session | None:
        unserved = [s for s in self._sessions.values() if not s.attached and not s.busy]
        return min(unserved, key=lambda s: s.last_active, default=None)

    # ---- the protocol's operations ----------------------------------------------------------

    async def reset(self, session: Session, params: ResetParams) -> dict[str, Any]:
        """Start the episode `params` names. Raises TaskSelectionError, SandboxError."""
        task = self.catalog.select(
            task_id=params.task_id, split=params.split, index=params.index, seed=params.seed
        )
        async with session.lock:
            session.touch()
            payload, replaced = await self._blocking(
                session.reset, task, params.episode_id, self._lend_sandbox, self.env_config
            )
            await self._record(replaced)
            session.touch()
        return payload

    async def step(self, session: Session, data: object) -> dict[str, Any]:
        """Apply one action. Raises ActionRejected (unless invalid actions are steps) and
        NoEpisode (see `Session.step`)."""
        async with session.lock:
            session.touch()
            payload, finished = await self._blocking(
                functools.partial(session.step, data, invalid_actions=self.invalid_actions)
            )
            await self._record(finished)
            session.touch()
        return payload

    async def state(self, session: Session) -> dict[str, Any]:
        """The session's state."""
        async with session.lock:
            session.touch()
            return session.state()

    # ---- the reaper and shutdown -----------------------------------------------------------

    def start_reaper(self) -> None:
        """Start ending idle sessions in the background (call from the running loop)."""
        if self._reaper is None:
            self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())

    async def reap(self) -> int:
        """End every session idle longer than the timeout; returns how many ended."""
        now = time.monotonic()
        idle = [
            session
            for session in list(self._sessions.values())
            if not session.busy and now - session.last_active > self.session_timeout
        ]
        for session in idle:
            kick = session.kick
            await self.close(session, f"reaped: idle for more than {self.session_timeout:g} s")
            if kick is not None:
                with contextlib.suppress(Exception):
                    await kick()
        return len(idle)

    async def _reap_forever(self) -> None:
        interval = min(5.0, max(0.05, self.session_timeout / 4))
        while True:
            await asyncio.sleep(interval)
            try:
                await self.reap()
            except Exception:  # a fixloop bug: logged, and the reaper goes on
                logger.exception("fixloop bug: reaping idle sessions failed")

    async def shutdown(self) -> None:
        """End every session, recording its episode, then close every sandbox and the run."""
        if self._reaper is not None:
            self._reaper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reaper
        for session in list(self._sessions.values()):
            kick = session.kick
            await self.close(session, "the server shut down before the episode ended")
            if kick is not None:
                with contextlib.suppress(Exception):
                    await kick()
        for sandbox in self._all_sandboxes:
            await self._blocking(sandbox.close)
        self._all_sandboxes.clear()
        self._free_sandboxes.clear()
        await self._blocking(self.served_run.finish)
        self._executor.shutdown(wait=True)

    # ---- helpers ---------------------------------------------------------------------------

    def _lend_sandbox(self) -> Sandbox:
        """A free sandbox, or a new one (called in a worker thread)."""
        with self._sandbox_lock:
            if self._free_sandboxes:
                return self._free_sandboxes.pop()
        sandbox = self._sandbox_factory()
        with self._sandbox_lock:
            self._all_sandboxes.append(sandbox)
        return sandbox

    async def _record(self, trajectory: Trajectory | None) -> None:
        if trajectory is None:
            return
        try:
            await self._blocking(self.served_run.commit, trajectory)
            self.recorded += 1
        except Exception:  # the store failing must not take the session's client down with it
            logger.exception("could not record a served episode of task %s", trajectory.task_id)

    async def _blocking(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)
