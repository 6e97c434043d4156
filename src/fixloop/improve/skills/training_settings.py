"""`TrainingSettings`: everything a skill training does, saved in the store so `--resume` can
rebuild it. The defaults are SkillOpt's where it has one (4 epochs, batches of 40, analyst
minibatches of 8, a cosine edit budget from 4 down to 2), and fixloop's gate everywhere.

Three switches exist so the trainer can emulate other methods' acceptance rules for
comparison (`benchmarks/bench_optimizers.py`), never as recommended settings:
`step_gate=False` adopts every step's candidate unvalidated and `add_only=True` lets the
skill only grow (ACE), `slow_update_gate=False` adopts the slow update unvalidated (SkillOpt).
`optimizer="gepa"` hands the search to GEPA (`fixloop.integrations.gepa_training`) with the
same splits, budgets and final test."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fixloop.improve.gate import GateSettings
from fixloop.improve.skills.schedules import ScheduleKind
from fixloop.rollout.run_session import RunSettings


class TrainingSettings(BaseModel):
    """How a skill training runs. Holds no secret (no API key)."""

    model_config = ConfigDict(extra="forbid")

    rollout: RunSettings = Field(
        description="The agent (llm), its model and endpoint, the task source and its split, the "
        "sandbox and concurrency of every rollout."
    )
    seed: int = Field(
        default=0, description="Seeds batches, rollouts and the gate: same seed, same training."
    )
    epochs: int = Field(default=4, ge=1, description="Passes over the train split.")
    batch_size: int = Field(
        default=40, ge=1, description="Training tasks per step (fewer when the split is smaller)."
    )
    minibatch: int = Field(default=8, ge=1, description="Episodes the reflector reads at once.")
    lr: int = Field(default=4, ge=1, description="Edits the first step may adopt.")
    min_lr: int = Field(default=2, ge=0, description="Edits the last step may adopt.")
    schedule: ScheduleKind = Field(
        default="cosine", description="How the edit budget decays: cosine, linear, constant."
    )
    reflector: Literal["template", "llm"] = Field(
        default="template", description="template (offline, deterministic) or llm (a reflection model)."
    )
    reflector_model: str | None = Field(
        default=None, description="PROVIDER:NAME of the llm reflector (default: the agent's model)."
    )
    gate: GateSettings = Field(default_factory=GateSettings)
    slow_update: bool = Field(default=True, description="Write the protected section at each epoch's end.")
    slow_update_tasks: int = Field(
        default=20, ge=1, description="Training tasks the slow update compares on."
    )
    slow_update_gate: bool = Field(
        default=True, description="Gate the slow update like any edit; off adopts it unvalidated (SkillOpt)."
    )
    step_gate: bool = Field(
        default=True,
        description="Gate each step's candidate; off adopts it unvalidated (ACE's no-gate curator).",
    )
    add_only: bool = Field(
        default=False,
        description="Reject replace and delete edits with a reason: the skill only grows (ACE's playbook).",
    )
    final_test: bool = Field(
        default=True,
        description="Compare the starting and final skill on the test split at the end; off leaves "
        "the test split to the caller (a benchmark that evaluates every method the same way).",
    )
    optimizer: Literal["native", "gepa"] = Field(
        default="native",
        description="native: this trainer's epochs and gate; gepa: GEPA's search through the adapter.",
    )
    gepa_minibatch: int = Field(
        default=3, ge=1, description="Training tasks per GEPA proposal (GEPA's reflection minibatch)."
    )
    gepa_run_dir: str | None = Field(
        default=None,
        description="GEPA's state directory, which a resume reads back (default .fixloop/gepa/TRAINING).",
    )
    test_repeats: int = Field(default=2, ge=1, description="Rollouts per test task for the final comparison.")
    initial_skill: str = Field(default="", description="The starting skill's markdown (empty: no rules).")
    max_usd: float | None = Field(default=None, gt=0, description="USD the whole training may spend.")
    max_tokens: int | None = Field(default=None, gt=0, description="Tokens the whole training may use.")
    max_rollouts: int | None = Field(default=None, gt=0, description="Episodes the whole training may run.")

    @model_validator(mode="after")
    def _consistent(self) -> TrainingSettings:
        if self.rollout.agent != "llm":
            raise ValueError("skill training needs the llm agent (a skill is part of its prompt)")
        if self.optimizer == "gepa" and self.max_rollouts is None:
            raise ValueError(
                "GEPA stops on a rollout budget: give max_rollouts (--max-rollouts) with the gepa optimizer"
            )
        if self.min_lr > self.lr:
            raise ValueError(f"min_lr ({self.min_lr}) must not exceed lr ({self.lr})")
        return self
