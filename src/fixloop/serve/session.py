"""`Session`: one remote client's episode on the environment server.

A session holds a `DebugEnv` (made at its first reset, on a sandbox lent by the pool) and
the episode in progress with its recorder. Its methods do blocking work (tests run in the
sandbox) and are called by `SessionPool` off the event loop, one at a time per session.

What a session records: an episode is handed back for the store when it ends — graded when
the environment ended it (`submit`, the step budget), `abandoned` when the client reset to
another task, closed the session, or left it to the reaper or a shutdown before the end.
An episode in which no step was taken is not recorded.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from fixloop.core.trajectory import Trajectory
from fixloop.env.actions import ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.rollout.episode import EpisodeRecorder
from fixloop.sandbox.base import Sandbox
from fixloop.serve.served_run import SERVE_AGENT
from fixloop.serve.wire import ServedState, observation_payload, step_payload
from fixloop.tasks.task import Task

InvalidActions = Literal["error", "step"]
"""What a step whose data is not an action does (see `Session.step`)."""


class ActionRejected(ValueError):
    """The step's data is not a valid action; the message is fixloop's parse error."""


class NoEpisode(RuntimeError):
    """A step came before any reset."""


@dataclass
class _Episode:
    id: str
    task: Task
    recorder: EpisodeRecorder
    done: bool = False


@dataclass
class Session:
    """One client's session. `attached` says a socket serves it now; `kick` closes that socket."""

    transport: Literal["ws", "http"]
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: float = field(default_factory=time.monotonic)
    last_active: float = field(default_factory=time.monotonic)
    attached: bool = False
    closed: bool = False
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    kick: Callable[[], Awaitable[None]] | None = None
    sandbox: Sandbox | None = None
    env: DebugEnv | None = None
    episode: _Episode | None = None

    @property
    def busy(self) -> bool:
        """Whether an operation of this session is running now."""
        return self.lock.locked()

    @property
    def in_episode(self) -> bool:
        """Whether an episode is under way (started and not ended)."""
        return self.episode is not None and not self.episode.done

    def touch(self) -> None:
        self.last_active = time.monotonic()

    # ---- blocking work: called off the event loop, one at a time -------------------------

    def reset(
        self, task: Task, episode_id: str | None, sandbox: Callable[[], Sandbox], config: EnvConfig
    ) -> tuple[dict[str, Any], Trajectory | None]:
        """Start an episode on `task` (taking a sandbox from `sandbox()` at the first reset).
        Returns the reset payload and the episode this one replaced, if it is to be recorded."""
        replaced = self._end_episode("the client reset to another task before the episode ended")
        if self.env is None:
            self.sandbox = sandbox()
            self.env = DebugEnv(self.sandbox, config)
        observation = self.env.reset(task)
        recorder = EpisodeRecorder(self.env, task, agent=SERVE_AGENT)
        self.episode = _Episode(id=episode_id or uuid.uuid4().hex, task=task, recorder=recorder)
        return observation_payload(observation, metadata={"session_id": self.id}), replaced

    def step(
        self, data: object, *, invalid_actions: InvalidActions = "error"
    ) -> tuple[dict[str, Any], Trajectory | None]:
        """Apply one action. Returns the step payload and the episode, when this step ended it.

        Data that is not an action raises ActionRejected (the step is not taken) when
        `invalid_actions` is `error`, as the reference server does; with `step` it is a step
        like any other, whose observation carries the parse error and the reward scheme's
        penalty. Raises NoEpisode before any reset.
        """
        if self.env is None or self.episode is None:
            raise NoEpisode("no episode: send a reset first")
        action: object = data
        try:
            action = parse_action(data)
        except ActionParseError as exc:
            if invalid_actions == "error":
                raise ActionRejected(str(exc)) from None
        started = time.monotonic()
        result = self.env.step(action)  # type: ignore[arg-type]
        episode = self.episode
        if episode.done:  # a step after the end: answered, never recorded
            return step_payload(result, session_id=self.id), None
        episode.recorder.step(data, result, started)
        if not result.done:
            return step_payload(result, session_id=self.id), None
        episode.done = True
        return step_payload(result, session_id=self.id), episode.recorder.finish(self.env.state().grade)

    def state(self) -> dict[str, Any]:
        """The episode's state (an empty one before any reset)."""
        if self.env is None or self.episode is None:
            return ServedState(
                task_id=None, step_count=0, max_steps=0, done=False, pass_fraction=0.0,
                cumulative_reward=0.0, edits=0, changed_files=[], grade=None,
            ).model_dump(mode="json")  # fmt: skip
        state = self.env.state()
        return ServedState(**state.model_dump(), episode_id=self.episode.id).model_dump(mode="json")

    def close(self, reason: str) -> Trajectory | None:
        """End the session: the episode in progress (returned, if it is to be recorded) and the
        environment's workspace and warm worker. The sandbox goes back to its owner."""
        self.closed = True
        replaced = self._end_episode(reason)
        if self.env is not None:
            self.env.close()
        return replaced

    def _end_episode(self, reason: str) -> Trajectory | None:
        episode = self.episode
        if episode is None or episode.done:
            return None
        episode.done = True
        if not episode.recorder.trajectory.steps:
            return None
        episode.recorder.abandon(reason)
        return episode.recorder.finish(None)
