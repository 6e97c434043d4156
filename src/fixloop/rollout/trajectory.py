"""The `Trajectory`: one episode, step by step. Rollout writes it; everything else reads it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from fixloop.env.grader import Grade


class StepRecord(BaseModel):
    """One step: what the agent sent, what the environment made of it."""

    index: int
    action: dict[str, Any] | None = Field(description="The action as parsed, or None if it did not parse.")
    raw_action: str | None = Field(default=None, description="The agent's output when it did not parse.")
    reward: float
    error: str | None = None
    done: bool = False
    seconds: float = 0.0


class Trajectory(BaseModel):
    """One episode of one agent on one task.

    `outcome` is the grade's outcome (resolved, partial, unresolved, infra_error), or
    `agent_error` when the agent itself raised.
    """

    task_id: str
    agent: str
    reward_scheme: str
    sandbox: str
    steps: list[StepRecord] = Field(default_factory=list)
    grade: Grade | None = None
    outcome: str
    score: float = 0.0
    total_reward: float = 0.0
    seconds: float = 0.0
    error: str | None = None
    simulated: bool = Field(default=False, description="Produced by a simulated model, not a real one.")
