"""Run one episode: the agent and the environment take turns until the episode ends."""

from __future__ import annotations

import json
import time

from fixloop.agents.base import Agent
from fixloop.env.actions import ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.trajectory import StepRecord, Trajectory
from fixloop.tasks.task import Task


def run_episode(env: DebugEnv, agent: Agent, task: Task) -> Trajectory:
    """Drive `agent` on `task` in `env` and return the trajectory.

    Never raises for the agent's behaviour: an exception from the agent ends the episode
    with outcome `agent_error` and the message recorded. The environment ends every
    episode by `max_steps` at the latest.
    """
    started = time.monotonic()
    agent.reset()
    observation = env.reset(task)
    trajectory = Trajectory(
        task_id=task.id,
        agent=agent.name,
        reward_scheme=env.config.reward,
        sandbox=env.sandbox.name,
        outcome="unresolved",
    )
    done = False
    while not done:
        step_started = time.monotonic()
        try:
            output = agent.act(observation)
        except Exception as exc:  # the agent is untrusted code: its failure is data
            trajectory.error = f"{type(exc).__name__}: {exc}"
            trajectory.outcome = "agent_error"
            break
        result = env.step(output)
        try:
            action, raw = parse_action(output).model_dump(mode="json"), None
        except ActionParseError:
            action, raw = None, output if isinstance(output, str) else json.dumps(output, default=str)
        trajectory.steps.append(
            StepRecord(
                index=len(trajectory.steps) + 1,
                action=action,
                raw_action=raw,
                reward=result.reward,
                error=result.observation.last_action_error,
                done=result.done,
                seconds=time.monotonic() - step_started,
            )
        )
        trajectory.total_reward += result.reward
        observation, done = result.observation, result.done
    grade = env.state().grade
    if grade is not None:
        trajectory.grade = grade
        trajectory.score = grade.score
        if trajectory.outcome != "agent_error":
            trajectory.outcome = grade.outcome.value
    trajectory.seconds = time.monotonic() - started
    env.close()
    return trajectory
