"""The `Trajectory`: one episode, step by step. Rollout writes it; everything else reads it."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from fixloop.core.grade import Grade
from fixloop.core.step_summary import StepSummary


class StepRecord(BaseModel):
    """One step: what the agent sent, what the environment made of it."""

    index: int
    action: dict[str, Any] | None = Field(description="The action as parsed, or None if it did not parse.")
    raw_action: str | None = Field(
        default=None, description="The agent's output (a model's whole reply) when it did not parse."
    )
    reward: float
    error: str | None = None
    done: bool = False
    seconds: float = 0.0
    tokens: int = Field(
        default=0, description="Model tokens (prompt + completion) spent choosing this action."
    )
    cost: float = Field(default=0.0, description="What the model call choosing this action cost, in USD.")
    summary: StepSummary = Field(
        default_factory=StepSummary, description="What the step did: path, diff, test run, pass fraction."
    )


class TaskFacts(BaseModel):
    """What analysis needs to know about the episode's task, recorded with the trajectory.

    It names the fix's files and size (never its content), so diagnosis can tell exactly
    which reads were relevant without loading the task again.
    """

    difficulty: str
    tags: list[str] = Field(default_factory=list)
    fix_paths: list[str] = Field(description="Files the reference fix changes.")
    relevant_files: list[str] = Field(
        description="The fix's files, the failing tests' files and the modules those tests import."
    )
    fix_lines: int = Field(ge=0, description="Lines removed plus added by the reference fix.")
    step_target: int = Field(ge=1, description="Steps an ideal agent needs.")
    mutation_operator: str | None = Field(default=None, description="For synthesized tasks, the operator.")


class Trajectory(BaseModel):
    """One episode of one agent on one task.

    `outcome` is the grade's outcome (resolved, partial, unresolved, tampered, infra_error) when the
    episode ended in the environment. When the agent ended it early it says why (see
    `fixloop.agents.limits`), with details in `error`: format_errors, looping, wall_time,
    step_limit or budget_exhausted (the workspace is still graded, so `grade` and `score`
    describe what the agent left), infra_error (the model endpoint failed; never scored) or
    agent_error (the agent raised).
    """

    task_id: str
    agent: str
    model: str | None = Field(default=None, description="PROVIDER:NAME of the agent's model, if it has one.")
    context_version: str | None = Field(
        default=None, description="Version id of the agent context (prompt, skill, memory) used."
    )
    task_facts: TaskFacts | None = Field(
        default=None, description="The task's difficulty, tags and fix location, for analysis."
    )
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
    tokens: int = Field(default=0, description="Model tokens (prompt + completion) the episode spent.")
    cost: float = Field(default=0.0, description="What the episode's model calls cost, in USD.")
