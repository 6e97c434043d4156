"""Nothing drawn from a test-split task is promoted: a calibration card with such a source is
rejected at the scan, before any replay."""

from __future__ import annotations

from fixloop.improve.critic.calibration_replay import admit_calibration
from fixloop.improve.memory.card import CardSource, MemoryCard, card_id
from fixloop.store import Store

LESSON = "Score the test evidence, not the intention: an edit that breaks a test lowers phi."


class NoReplay:
    """A replay that must not be reached."""

    def held_out(self, card):
        raise AssertionError("a card from a test-split task was replayed")

    def compare(self, card):
        raise AssertionError("a card from a test-split task was replayed")


def test_a_calibration_card_from_a_test_split_task_is_rejected_before_any_replay(private_store):
    card = MemoryCard(
        id=card_id("critic_calibration", LESSON), kind="critic_calibration", content=LESSON,
        sources=(CardSource(run="weak", task_id="held-out-task", episode_index=0, step=3),),
    )  # fmt: skip
    with Store.open(private_store) as store:
        store.add_memory_card(card.model_dump(mode="json"))
        outcome = admit_calibration(store, card, NoReplay(), test_tasks={"held-out-task"})  # type: ignore[arg-type]
        stored = MemoryCard.model_validate(store.memory_card(card.id))
    assert outcome.status == stored.status == "rejected"
    assert "test-split" in stored.status_reason and "held-out-task" in stored.status_reason
    assert outcome.verdict is None
