"""`MemoryCI`: no card reaches an agent's context without passing the scan and a replay.

    candidate ──scan──► quarantined ──replay (the gate)──► promoted
        └─► rejected (the scan's findings)   └─► rejected (the gate's reason)

- **scan** (`fixloop.improve.memory.scan`): secrets, instructions to read hidden material or
  to tamper with tests, prompt injection, size. A card drawn from a test-split task is
  rejected here too: the test split must stay untouched by anything that is adopted.
- **replay**: the card's source tasks and held-out tasks in its scope (from the train and
  selection splits, never the test split) are played with and without the card in the
  agent's context, through the gate (`fixloop.improve.gate`), which adopts only on a
  significant paired gain that loses no task. The verdict's reason becomes the card's.
- **review**: a promoted card whose utility has fallen below `min_utility` after at least
  `min_uses` episodes is archived; so is one a new replay finds harmful (`recheck`: the
  agent without the card is the candidate, and the gate's acceptance means the card hurts).

Every transition is stored with its reason (`Store.memory_events`).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence

from pydantic import BaseModel, ConfigDict, Field

from fixloop.agents.context import AgentContext
from fixloop.improve.gate import Gate, GateSettings, GateVerdict, Measure
from fixloop.improve.memory.card import MemoryCard, transition
from fixloop.improve.memory.retrieval import in_scope
from fixloop.improve.memory.scan import ScanResult, scan_card
from fixloop.store import Store
from fixloop.tasks.splits import TaskSplits
from fixloop.tasks.task import Task


class MemoryCISettings(BaseModel):
    """How cards are admitted and retired."""

    model_config = ConfigDict(extra="forbid")

    gate: GateSettings = Field(default_factory=GateSettings)
    held_out_tasks: int = Field(
        default=8, ge=0, description="In-scope tasks besides the sources a replay plays."
    )
    min_utility: float = Field(
        default=0.2, ge=0.0, le=1.0, description="Promoted cards below this are archived..."
    )
    min_uses: int = Field(
        default=5, ge=1, description="...once they were given to at least this many episodes."
    )
    seed: int = Field(default=0, description="Seeds the choice of held-out tasks and the gate.")


class CIOutcome(BaseModel):
    """What MemoryCI did with one card."""

    card: str = Field(description="The card's key (id@version).")
    status: str = Field(description="Its status afterwards.")
    reason: str
    scan: ScanResult | None = None
    verdict: GateVerdict | None = None
    tasks: list[str] = Field(default_factory=list, description="The tasks its replay played.")


class MemoryCI:
    """Scans, replays and reviews cards in a store. `measure` runs the replays' rollouts (a
    `TrainingRollouts` in practice); `splits` says which tasks are held out for good."""

    def __init__(
        self, store: Store, measure: Measure, splits: TaskSplits, settings: MemoryCISettings | None = None
    ) -> None:
        self.store = store
        self.splits = splits
        self.settings = settings or MemoryCISettings()
        self.gate = Gate(measure, self.settings.gate.model_copy(update={"seed": self.settings.seed}))

    def admit(self, card: MemoryCard) -> CIOutcome:
        """Take a candidate or quarantined card as far as it goes: scan, then replay."""
        if card.status == "candidate":
            card, outcome = self.scan(card)
            if card.status != "quarantined":
                return outcome
        if card.status != "quarantined":
            return CIOutcome(card=card.key, status=card.status, reason=f"nothing to do: it is {card.status}")
        return self.replay(card)

    def scan(self, card: MemoryCard) -> tuple[MemoryCard, CIOutcome]:
        """candidate → quarantined when the scan passes, else rejected with its findings."""
        return scan_candidate(self.store, card, test_tasks={t.id for t in self.splits.test})

    def replay(self, card: MemoryCard) -> CIOutcome:
        """quarantined → promoted on the gate's acceptance, else rejected with its reason."""
        tasks = self.replay_tasks(card)
        if not tasks:
            updated = transition(card, "rejected", "no train or selection task in its scope to replay it on")
            self.store.update_memory_card(updated.model_dump(mode="json"))
            return CIOutcome(card=card.key, status=updated.status, reason=updated.status_reason)
        verdict = self.compare(card, tasks)
        updated = transition(
            card, "promoted" if verdict.accepted else "rejected", f"replay: {verdict.reason}"
        )
        self.store.update_memory_card(updated.model_dump(mode="json"))
        return CIOutcome(
            card=card.key, status=updated.status, reason=updated.status_reason, verdict=verdict,
            tasks=[t.id for t in tasks],
        )  # fmt: skip

    def review(self, card: MemoryCard) -> CIOutcome:
        """Archive a promoted card whose utility fell below `min_utility` after `min_uses` uses."""
        low = card.retrievals >= self.settings.min_uses and card.utility < self.settings.min_utility
        if card.status != "promoted" or not low:
            return CIOutcome(card=card.key, status=card.status, reason="kept")
        reason = f"utility {card.utility:.2f} < {self.settings.min_utility:g} after {card.retrievals} uses"
        updated = transition(card, "archived", reason)
        self.store.update_memory_card(updated.model_dump(mode="json"))
        return CIOutcome(card=card.key, status=updated.status, reason=reason)

    def recheck(self, card: MemoryCard, round_: int) -> CIOutcome:
        """Replay a promoted card again (round `round_`, fresh rollouts) with the sides swapped:
        archived when the agent without it is significantly better, else kept."""
        if card.status != "promoted":
            return CIOutcome(card=card.key, status=card.status, reason=f"nothing to do: it is {card.status}")
        tasks = self.replay_tasks(card)
        verdict = self.gate.compare(
            AgentContext(), AgentContext(memory_cards=[card.text()]), tasks,
            label=f"recheck{round_}-{card.key}", candidate_tokens=0, incumbent_tokens=card.tokens,
        )  # fmt: skip
        if not verdict.accepted:
            return CIOutcome(
                card=card.key, status=card.status, reason=f"kept: {verdict.reason}", verdict=verdict
            )
        updated = transition(card, "archived", f"a later replay found it harmful: {verdict.reason}")
        self.store.update_memory_card(updated.model_dump(mode="json"))
        return CIOutcome(
            card=card.key, status=updated.status, reason=updated.status_reason, verdict=verdict,
            tasks=[t.id for t in tasks],
        )  # fmt: skip

    def replay_tasks(self, card: MemoryCard) -> list[Task]:
        """The card's source tasks and up to `held_out_tasks` other in-scope tasks, from the
        train and selection splits only, in id order."""
        pool = sorted([*self.splits.train, *self.splits.selection], key=lambda t: t.id)
        sources = [t for t in pool if t.id in card.source_tasks]
        others = [t for t in pool if t.id not in card.source_tasks and in_scope(card, t)]
        rng = random.Random(f"{self.settings.seed}:{card.key}")
        held_out = rng.sample(others, min(self.settings.held_out_tasks, len(others)))
        return sorted([*sources, *held_out], key=lambda t: t.id)

    def compare(self, card: MemoryCard, tasks: Sequence[Task]) -> GateVerdict:
        """The gate's verdict on the agent with the card against the agent without it."""
        with_card = AgentContext(memory_cards=[card.text()])
        return self.gate.compare(
            with_card, AgentContext(), tasks, label=f"replay-{card.key}",
            candidate_tokens=card.tokens, incumbent_tokens=0,
        )  # fmt: skip


def scan_candidate(
    store: Store, card: MemoryCard, *, test_tasks: Collection[str]
) -> tuple[MemoryCard, CIOutcome]:
    """The scan step every kind of card goes through, stored: quarantined when the scan passes
    and no source is a `test_tasks` task, else rejected with the reason."""
    result = scan_card(card)
    test_sources = sorted(set(card.source_tasks) & set(test_tasks))
    if test_sources:
        reason = f"drawn from test-split task(s) {', '.join(test_sources)}: the test split stays untouched"
        updated = transition(card, "rejected", reason)
    elif not result.passed:
        findings = "; ".join(f"{f.check}: {f.detail}" for f in result.findings)
        updated = transition(card, "rejected", f"scan: {findings}")
    else:
        updated = transition(card, "quarantined", "scan passed")
    store.update_memory_card(updated.model_dump(mode="json"))
    return updated, CIOutcome(card=card.key, status=updated.status, reason=updated.status_reason, scan=result)
