"""Run one episode: the agent and the environment take turns until the episode ends.

`run_episode` is the plain loop; `arun_episode` is the same loop for an event loop, with
the agent's model calls awaited (`aact` where the agent has it) and the environment's work
(resets, test runs, grading) handed to `run_blocking`, off the event loop. Both record the
same trajectory, and neither raises for what happens inside one episode: a run of many
episodes (and its resume) never stops because one of them broke.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fixloop.agents.base import Agent
from fixloop.agents.limits import GRADED_EARLY_ENDS, episode_outcome
from fixloop.core.grade import Grade
from fixloop.core.trajectory import StepRecord, TaskFacts, Trajectory
from fixloop.env.debug_env import DebugEnv, StepResult
from fixloop.env.edit_diff import changed_lines
from fixloop.env.relevance import relevant_files
from fixloop.models.base import Completion
from fixloop.sandbox.base import SandboxError
from fixloop.tasks.task import Task

logger = logging.getLogger(__name__)

RunBlocking = Callable[..., Awaitable[Any]]
"""`await run_blocking(fn, *args)` runs `fn(*args)` off the event loop and returns its result."""


def run_episode(env: DebugEnv, agent: Agent, task: Task) -> Trajectory:
    """Drive `agent` on `task` in `env` and return the trajectory.

    Never raises for the agent's behaviour. The environment ends every episode by
    `max_steps` at the latest; the agent may end it sooner by raising from `act`, and the
    outcome is then what `fixloop.agents.limits.episode_outcome` names (`agent_error` for
    anything unexpected), with the message in `error`. An output that does not parse is a
    step whose error starts with `PARSE_ERROR:`.

    An agent that calls a model exposes `model` (its `name` is recorded), `context` (its
    `version_id` is recorded) and `last_completion` (the `Completion` of its latest
    `act`, None when it made no call); its tokens and cost are recorded on the step and
    summed on the trajectory, including a call whose reply ended the episode.

    A `SandboxError` raised outside a step (a task environment that is not built, say) ends
    the episode as `infra_error` with the sandbox's message. Any other exception (from the
    environment, or from the agent outside `act`) is a fixloop bug: it is logged with its
    traceback, and the episode ends as `infra_error` (never scored) with the message in
    `error`. The environment is closed either way.
    """
    recorder = EpisodeRecorder.for_agent(env, agent, task)
    grade = None
    try:
        agent.reset()
        observation = env.reset(task)
        done = False
        while not done:
            step_started = time.monotonic()
            try:
                output = agent.act(observation)
            except Exception as exc:  # the agent is untrusted code: its failure is data
                recorder.stop(exc, _last_completion(agent))
                break
            result = env.step(output)
            recorder.step(output, result, step_started, _last_completion(agent))
            observation, done = result.observation, result.done
        grade = env.state().grade or (env.grade() if recorder.grade_needed() else None)
    except SandboxError as exc:  # the sandbox cannot serve (a task environment not built, say)
        recorder.infra(exc)
    except Exception as exc:  # a fixloop bug: recorded for this episode, never the run's end
        recorder.crash(exc)
    try:
        env.close()
    except Exception as exc:
        logger.error("fixloop bug: closing the environment of task %s failed", task.id, exc_info=exc)
    return recorder.finish(grade)


async def arun_episode(env: DebugEnv, agent: Agent, task: Task, run_blocking: RunBlocking) -> Trajectory:
    """`run_episode` for an event loop: the same contract and the same trajectory.

    The agent's `aact` is awaited when it has one (its model calls then use the model's
    async API); otherwise `act` runs off the loop. Every environment call runs through
    `run_blocking`.
    """
    recorder = EpisodeRecorder.for_agent(env, agent, task)
    grade = None
    try:
        agent.reset()
        observation = await run_blocking(env.reset, task)
        aact = getattr(agent, "aact", None)
        done = False
        while not done:
            step_started = time.monotonic()
            try:
                if aact is not None:
                    output = await aact(observation)
                else:
                    output = await run_blocking(agent.act, observation)
            except Exception as exc:  # the agent is untrusted code: its failure is data
                recorder.stop(exc, _last_completion(agent))
                break
            result = await run_blocking(env.step, output)
            recorder.step(output, result, step_started, _last_completion(agent))
            observation, done = result.observation, result.done
        grade = env.state().grade or (await run_blocking(env.grade) if recorder.grade_needed() else None)
    except SandboxError as exc:  # the sandbox cannot serve (a task environment not built, say)
        recorder.infra(exc)
    except Exception as exc:  # a fixloop bug: recorded for this episode, never the run's end
        recorder.crash(exc)
    try:
        await run_blocking(env.close)
    except Exception as exc:
        logger.error("fixloop bug: closing the environment of task %s failed", task.id, exc_info=exc)
    return recorder.finish(grade)


def task_facts(task: Task) -> TaskFacts:
    """What analysis needs to know about `task`, recorded with each of its trajectories."""
    return TaskFacts(
        difficulty=task.difficulty.value,
        tags=list(task.tags),
        fix_paths=task.fix_paths,
        relevant_files=sorted(relevant_files(task)),
        fix_lines=sum(changed_lines(task.files.get(p), task.reference_fix[p]) for p in task.fix_paths),
        step_target=task.step_target,
        mutation_operator=task.mutation.operator if task.mutation else None,
    )


class EpisodeRecorder:
    """Builds one episode's trajectory from what an agent (in this process or a remote
    client of `fixloop serve`) and the environment did."""

    def __init__(
        self,
        env: DebugEnv,
        task: Task,
        *,
        agent: str,
        model: str | None = None,
        context_version: str | None = None,
        simulated: bool = False,
    ) -> None:
        self.started = time.monotonic()
        self.ended_by_agent = False
        self.trajectory = Trajectory(
            task_id=task.id,
            agent=agent,
            model=model,
            context_version=context_version,
            task_facts=task_facts(task),
            simulated=simulated,
            reward_scheme=env.config.reward,
            sandbox=env.sandbox.name,
            outcome="unresolved",
        )

    @classmethod
    def for_agent(cls, env: DebugEnv, agent: Agent, task: Task) -> EpisodeRecorder:
        """A recorder naming `agent`, its model and its context version."""
        model = getattr(agent, "model", None)
        context = getattr(agent, "context", None)
        return cls(
            env,
            task,
            agent=agent.name,
            model=getattr(model, "name", None),
            context_version=getattr(context, "version_id", None),
            simulated=bool(getattr(model, "simulated", False)),
        )

    def _add_usage(self, completion: Completion | None) -> None:
        if completion is not None:
            self.trajectory.tokens += completion.usage.total_tokens
            self.trajectory.cost += completion.cost

    def stop(self, exc: Exception, completion: Completion | None = None) -> None:
        """The agent raised: the episode ends with the outcome the exception names;
        `completion` is the model reply that ended it, if any."""
        self._add_usage(completion)
        self.trajectory.error = _storable(f"{type(exc).__name__}: {exc}")
        self.trajectory.outcome = episode_outcome(exc)
        self.ended_by_agent = True

    def infra(self, exc: Exception) -> None:
        """The sandbox could not serve the episode (a `SandboxError` outside a step, such as
        a task environment that is not built): `infra_error`, never the agent's fault, with
        the sandbox's message, which says what to do."""
        self.trajectory.error = _storable(f"the sandbox failed: {exc}")
        self.trajectory.outcome = "infra_error"
        self.ended_by_agent = True

    def crash(self, exc: Exception) -> None:
        """The environment (or the agent outside `act`) raised: a fixloop bug, never the
        agent's fault. The episode ends as `infra_error`; the traceback goes to the log."""
        logger.error(
            "fixloop bug: the episode of %s on task %s raised; it is recorded as infra_error",
            self.trajectory.agent,
            self.trajectory.task_id,
            exc_info=exc,
        )
        self.trajectory.error = _storable(f"fixloop bug: {type(exc).__name__}: {exc}")
        self.trajectory.outcome = "infra_error"
        self.ended_by_agent = True

    def abandon(self, reason: str) -> None:
        """The agent left before the episode ended (a remote client closed its session or was
        reaped): the outcome is `abandoned`, with `reason` in `error`, and nothing is graded."""
        self.trajectory.outcome = "abandoned"
        self.trajectory.error = _storable(reason)
        self.ended_by_agent = True

    def step(
        self, output: object, result: StepResult, step_started: float, completion: Completion | None = None
    ) -> None:
        """Record one step: the agent's output (`completion` is the model reply that chose it,
        if any) and what the environment made of it."""
        error = result.observation.last_action_error
        raw = None
        if result.action is None:
            error = f"PARSE_ERROR: {error}"
            raw = _storable(completion.text if completion is not None else _as_text(output))
        self.trajectory.steps.append(
            StepRecord(
                index=len(self.trajectory.steps) + 1,
                action=result.action,
                raw_action=raw,
                reward=result.reward,
                error=_storable(error) if error is not None else None,
                done=result.done,
                seconds=time.monotonic() - step_started,
                tokens=completion.usage.total_tokens if completion else 0,
                cost=completion.cost if completion else 0.0,
                summary=result.summary,
            )
        )
        self._add_usage(completion)
        self.trajectory.total_reward += result.reward

    def grade_needed(self) -> bool:
        """Whether the agent ended the episode early in a way whose workspace is still graded."""
        return self.trajectory.outcome in GRADED_EARLY_ENDS

    def finish(self, grade: Grade | None) -> Trajectory:
        """The finished trajectory, with `grade` (the environment's, or the early-end one)."""
        if grade is not None:
            self.trajectory.grade = grade
            self.trajectory.score = grade.score
            if not self.ended_by_agent:
                self.trajectory.outcome = grade.outcome.value
        self.trajectory.seconds = time.monotonic() - self.started
        return self.trajectory


def _last_completion(agent: Agent) -> Completion | None:
    completion = getattr(agent, "last_completion", None)
    return completion if isinstance(completion, Completion) else None


def _as_text(output: object) -> str:
    """The agent's output as text: itself when a string, else JSON, else a placeholder for
    values JSON cannot hold (too deep, circular, odd keys)."""
    if isinstance(output, str):
        return output
    try:
        return json.dumps(output, default=str)
    except (TypeError, ValueError, RecursionError):
        return f"<a {type(output).__name__} that cannot be written as JSON>"


def _storable(text: str) -> str:
    """`text` with lone surrogates escaped (as `\\udxxx`), so every store can encode it."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
