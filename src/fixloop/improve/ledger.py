"""The `Ledger`: the append-only record of every proposal a training made and what became of it.

One `LedgerEntry` per proposal, in the order they were made: its parent skill, the proposals
the reflector made with the episodes supporting them, the edits tried, the candidate, the
gate's verdict with every task's outcomes, whether it was adopted and why, and the tokens
and USD spent proposing and evaluating it. Entries are numbered (`seq`); the store keeps one
row per (training, seq), so a resumed training that makes the same proposal again writes
nothing twice. A ledger exports as JSONL, one entry per line.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from fixloop.improve.gate import GateVerdict
from fixloop.improve.skills.edits import RejectedEdit, SkillEdit
from fixloop.improve.skills.skill_reflector import Proposal
from fixloop.improve.skills.slow_update import TaskComparison
from fixloop.store import Store


class LedgerEntry(BaseModel):
    """One proposal of a training and its fate."""

    seq: int = Field(ge=0, description="Position in the training's ledger, from 0.")
    training: str
    kind: Literal["step", "slow_update"] = Field(
        description="A training step's edits or an epoch's slow update."
    )
    epoch: int = Field(ge=0)
    step: int | None = Field(default=None, description="The training step (None for a slow update).")
    simulated: bool = Field(description="Produced with a simulated model: never a model's real performance.")
    parent: str = Field(description="Version of the skill the proposal edits (the incumbent).")
    candidate: str | None = Field(
        default=None, description="Version of the edited skill; None when no edit applied."
    )
    evidence_run: str | None = Field(
        default=None, description="The stored run whose episodes were reflected on."
    )
    proposals: list[Proposal] = Field(default_factory=list, description="Every merged proposal, ranked.")
    edit_budget: int | None = Field(default=None, description="Edits the step's schedule allowed.")
    edits: list[SkillEdit] = Field(default_factory=list, description="The edits tried (the top proposals).")
    rejected_edits: list[RejectedEdit] = Field(
        default_factory=list, description="Edits that could not be applied, each with its reason."
    )
    guidance: list[str] = Field(default_factory=list, description="A slow update's guidance lines.")
    comparisons: list[TaskComparison] = Field(
        default_factory=list, description="A slow update's per-task labels, previous vs current epoch."
    )
    reflection_errors: list[str] = Field(
        default_factory=list, description="Replies that contributed nothing."
    )
    gated: bool = Field(
        default=True, description="False when adopted without the gate (--slow-update-gate off)."
    )
    verdict: GateVerdict | None = Field(default=None, description="The gate's verdict; None when not gated.")
    adopted: bool
    reason: str = Field(description="Why it was adopted or not, in one sentence.")
    proposing_tokens: int = 0
    proposing_cost_usd: float = 0.0
    evaluation_tokens: int = 0
    evaluation_cost_usd: float = 0.0


class Ledger:
    """A training's ledger in the store."""

    def __init__(self, store: Store, training: str) -> None:
        self.store = store
        self.training = training

    def append(self, entry: LedgerEntry) -> bool:
        """Record `entry` under its seq; False (and nothing written) when the seq is recorded."""
        return self.store.append_ledger(self.training, entry.seq, entry.model_dump(mode="json"))

    def entries(self) -> list[LedgerEntry]:
        """Every entry, in seq order. Raises StoreError for an unknown training."""
        return [LedgerEntry.model_validate(entry) for entry in self.store.ledger(self.training)]

    def to_jsonl(self) -> str:
        """The ledger as JSONL: one entry per line, in seq order."""
        return "".join(entry.model_dump_json() + "\n" for entry in self.entries())
