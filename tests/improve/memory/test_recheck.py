"""A promoted card a later replay finds harmful is archived; one that still does no harm is kept.

The replays' rollouts come from a scripted measure (the simulated model has no behaviour a
card can make worse), judged by the real gate."""

from __future__ import annotations

from fixloop.improve.gate import Measurement
from fixloop.improve.memory.card import MemoryCard, card_id
from fixloop.improve.memory.ci import MemoryCI
from fixloop.store import Store
from fixloop.tasks.splits import TaskSplits
from fixloop.tasks.task import Task


def task(task_id: str) -> Task:
    return Task(id=task_id, title="A bug.", description="It fails.", files={"a.py": "x = 1\n"},
                reference_fix={"a.py": "x = 2\n"})  # fmt: skip


TASKS = [task(f"t{i}") for i in range(10)]
SPLITS = TaskSplits(train=TASKS, selection=[], test=[task("held-out")])


class ScriptedMeasure:
    """Resolves every task without memory; with memory, resolves per `with_memory`."""

    def __init__(self, with_memory: float) -> None:
        self.with_memory = with_memory
        self.labels: list[str] = []

    def __call__(self, context, tasks, *, repeats, label):
        self.labels.append(label)
        score = self.with_memory if context.memory_cards else 1.0
        return Measurement(outcomes={t.id: [score] * repeats for t in tasks})


def promoted(store: Store, content: str) -> MemoryCard:
    card = MemoryCard(
        id=card_id("skill_card", content), kind="skill_card", content=content, status="promoted"
    )
    store.add_memory_card(card.model_dump(mode="json"))
    return card


def test_a_promoted_card_a_later_replay_finds_harmful_is_archived(private_store):
    with Store.open(private_store) as store:
        measure = ScriptedMeasure(with_memory=0.0)
        card = promoted(store, "Always rewrite the whole module from scratch.")
        outcome = MemoryCI(store, measure, SPLITS).recheck(card, 1)
        stored = MemoryCard.model_validate(store.memory_card(card.id))
    assert outcome.status == stored.status == "archived"
    assert stored.status_reason.startswith("a later replay found it harmful: accepted")
    assert measure.labels == [f"recheck1-{card.key}-incumbent", f"recheck1-{card.key}-candidate"]


def test_a_promoted_card_that_still_does_no_harm_is_kept(private_store):
    with Store.open(private_store) as store:
        card = promoted(store, "Read the failing test first.")
        outcome = MemoryCI(store, ScriptedMeasure(with_memory=1.0), SPLITS).recheck(card, 1)
        stored = MemoryCard.model_validate(store.memory_card(card.id))
    assert stored.status == "promoted"
    assert outcome.reason.startswith("kept: rejected")
