"""Run one episode: the agent and the environment take turns until the episode ends."""

from __future__ import annotations

import json
import time

from fixloop.agents.base import Agent
from fixloop.agents.limits import GRADED_EARLY_ENDS, episode_outcome
from fixloop.env.actions import ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv
from fixloop.models.base import Completion
from fixloop.rollout.trajectory import StepRecord, Trajectory
from fixloop.tasks.task import Task


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
    """
    started = time.monotonic()
    agent.reset()
    observation = env.reset(task)
    model = getattr(agent, "model", None)
    context = getattr(agent, "context", None)
    trajectory = Trajectory(
        task_id=task.id,
        agent=agent.name,
        model=getattr(model, "name", None),
        context_version=getattr(context, "version_id", None),
        reward_scheme=env.config.reward,
        sandbox=env.sandbox.name,
        outcome="unresolved",
    )
    ended_by_agent = False
    done = False
    while not done:
        step_started = time.monotonic()
        try:
            output = agent.act(observation)
        except Exception as exc:  # the agent is untrusted code: its failure is data
            _add_usage(trajectory, _last_completion(agent))
            trajectory.error = f"{type(exc).__name__}: {exc}"
            trajectory.outcome = episode_outcome(exc)
            ended_by_agent = True
            break
        completion = _last_completion(agent)
        result = env.step(output)
        error = result.observation.last_action_error
        try:
            action, raw = parse_action(output).model_dump(mode="json"), None
        except ActionParseError:
            action, error = None, f"PARSE_ERROR: {error}"
            raw = output if isinstance(output, str) else json.dumps(output, default=str)
            if completion is not None:
                raw = completion.text
        trajectory.steps.append(
            StepRecord(
                index=len(trajectory.steps) + 1,
                action=action,
                raw_action=raw,
                reward=result.reward,
                error=error,
                done=result.done,
                seconds=time.monotonic() - step_started,
                tokens=completion.usage.total_tokens if completion else 0,
                cost=completion.cost if completion else 0.0,
            )
        )
        _add_usage(trajectory, completion)
        trajectory.total_reward += result.reward
        observation, done = result.observation, result.done
    grade = env.state().grade
    if grade is None and trajectory.outcome in GRADED_EARLY_ENDS:
        grade = env.grade()
    if grade is not None:
        trajectory.grade = grade
        trajectory.score = grade.score
        if not ended_by_agent:
            trajectory.outcome = grade.outcome.value
    trajectory.seconds = time.monotonic() - started
    env.close()
    return trajectory


def _last_completion(agent: Agent) -> Completion | None:
    completion = getattr(agent, "last_completion", None)
    return completion if isinstance(completion, Completion) else None


def _add_usage(trajectory: Trajectory, completion: Completion | None) -> None:
    if completion is not None:
        trajectory.tokens += completion.usage.total_tokens
        trajectory.cost += completion.cost
