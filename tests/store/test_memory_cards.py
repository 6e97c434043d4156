"""Memory cards in the store: every version of every card, and the history of their statuses."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, inspect

from fixloop.improve.memory.card import MemoryCard, record_use, transition
from fixloop.store import Store, StoreError
from fixloop.store.redaction import REDACTED
from fixloop.store.schema import TrainingRow
from fixloop.store.store import MIGRATIONS_DIR, resolve_url

OLD_TRAINING = {
    "name": "old",
    "created_at": datetime(2026, 12, 1, tzinfo=UTC),
    "status": "finished",
    "config": {},
    "simulated": False,
    "state": {},
}


def _card(card_id: str = "fail-1", kind: str = "failure_pattern", **fields: Any) -> MemoryCard:
    return MemoryCard(id=card_id, kind=kind, content=f"lesson {card_id}", **fields)


def _dump(card: MemoryCard) -> dict[str, Any]:
    return card.model_dump(mode="json")


def _add(store: Store, card: MemoryCard) -> MemoryCard:
    store.add_memory_card(_dump(card))
    return card


def test_a_card_reads_back_as_its_latest_version_or_the_version_asked_for(store: Store):
    first = _add(store, _card())
    second = _add(store, first.edited(content="a better lesson"))
    assert MemoryCard.model_validate(store.memory_card("fail-1")) == second
    assert MemoryCard.model_validate(store.memory_card("fail-1", 1)) == first


def test_adding_a_stored_version_again_is_refused(store: Store):
    card = _add(store, _card())
    with pytest.raises(StoreError, match="memory card 'fail-1@1' already exists"):
        store.add_memory_card(_dump(card))


def test_one_version_added_from_many_threads_at_once_is_stored_once(store: Store):
    card = _dump(_card())

    def add(_n: int) -> bool:
        try:
            store.add_memory_card(card)
        except StoreError:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        added = list(pool.map(add, range(8)))
    assert added.count(True) == 1
    assert len(store.memory_events("fail-1")) == 1


def test_an_unknown_card_error_points_to_the_list_command(store: Store):
    with pytest.raises(StoreError, match=r"no memory card 'fail-9'.*fixloop memory list"):
        store.memory_card("fail-9")


def test_an_unknown_version_error_names_the_versions_there_are(store: Store):
    first = _add(store, _card())
    _add(store, first.edited(content="a better lesson"))
    with pytest.raises(StoreError, match=r"no version 3 of memory card 'fail-1' \(it has 1-2\)"):
        store.memory_card("fail-1", 3)


def test_listing_gives_the_latest_version_of_each_card_by_id(store: Store):
    first = _add(store, _card("b"))
    _add(store, first.edited(content="b, better"))
    _add(store, _card("a"))
    assert [(c["id"], c["version"]) for c in store.memory_cards()] == [("a", 1), ("b", 2)]


def test_listing_all_versions_gives_every_version_in_order(store: Store):
    first = _add(store, _card("b"))
    _add(store, first.edited(content="b, better"))
    _add(store, _card("a"))
    assert [(c["id"], c["version"]) for c in store.memory_cards(all_versions=True)] == [
        ("a", 1),
        ("b", 1),
        ("b", 2),
    ]


def test_listing_filters_by_status_and_kind(store: Store):
    _add(store, _card("a", status="promoted"))
    _add(store, _card("b", status="promoted", kind="tool_policy"))
    _add(store, _card("c"))
    assert [c["id"] for c in store.memory_cards(status="promoted")] == ["a", "b"]
    assert [c["id"] for c in store.memory_cards(kind="tool_policy")] == ["b"]
    assert [c["id"] for c in store.memory_cards(status="candidate", kind="tool_policy")] == []


def test_a_promoted_card_is_listed_as_promoted_while_its_edit_is_a_candidate(store: Store):
    promoted = _add(store, _card(status="promoted"))
    _add(store, promoted.edited(content="a better lesson"))
    assert [(c["id"], c["version"]) for c in store.memory_cards(status="promoted")] == [("fail-1", 1)]
    assert [(c["id"], c["version"]) for c in store.memory_cards(status="candidate")] == [("fail-1", 2)]


def test_an_update_that_changes_the_status_records_an_event_with_the_reason(store: Store):
    card = _add(store, _card())
    store.update_memory_card(_dump(transition(card, "quarantined", "scan passed")), reason="scanned")
    assert store.memory_card("fail-1")["status"] == "quarantined"
    assert [(e["from_status"], e["to_status"], e["reason"]) for e in store.memory_events("fail-1")] == [
        (None, "candidate", "created"),
        ("candidate", "quarantined", "scanned"),
    ]


def test_an_update_without_a_reason_records_the_cards_status_reason(store: Store):
    card = _add(store, _card())
    store.update_memory_card(_dump(transition(card, "rejected", "too long")))
    assert store.memory_events("fail-1")[-1]["reason"] == "too long"


def test_an_update_of_counters_only_records_no_event(store: Store):
    card = _add(store, _card())
    store.update_memory_card(_dump(record_use(card, helped=True)))
    assert store.memory_card("fail-1")["retrievals"] == 1
    assert len(store.memory_events("fail-1")) == 1


def test_one_status_change_written_from_many_threads_at_once_is_recorded_once(store: Store):
    card = _add(store, _card())
    quarantined = _dump(transition(card, "quarantined", "scan passed"))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _n: store.update_memory_card(quarantined), range(8)))
    assert [e["to_status"] for e in store.memory_events("fail-1")] == ["candidate", "quarantined"]


def test_updating_a_version_that_is_not_stored_is_refused(store: Store):
    _add(store, _card())
    with pytest.raises(StoreError, match="no memory card 'fail-1@2' to update"):
        store.update_memory_card(_dump(_card(version=2)))


def test_events_cover_every_version_oldest_first(store: Store):
    first = _add(store, _card())
    store.update_memory_card(_dump(transition(first, "quarantined", "scan passed")))
    second = _add(store, first.edited(content="a better lesson"))
    store.update_memory_card(_dump(transition(second, "rejected", "duplicate")))
    events = store.memory_events("fail-1")
    assert [(e["version"], e["from_status"], e["to_status"]) for e in events] == [
        (1, None, "candidate"),
        (1, "candidate", "quarantined"),
        (2, None, "candidate"),
        (2, "candidate", "rejected"),
    ]
    assert events[0]["reason"] == "created"
    assert events[2]["reason"] == "edited from fail-1@1"
    assert datetime.fromisoformat(events[0]["created_at"]).tzinfo is not None


def test_a_secret_looking_string_in_a_card_is_redacted(store: Store):
    _add(store, _card(strategy="export OPENAI_API_KEY=sk-abcdefghijklmnop and retry"))
    assert store.memory_card("fail-1")["strategy"] == f"export OPENAI_API_KEY={REDACTED} and retry"


def test_a_card_without_an_id_is_refused(store: Store):
    with pytest.raises(StoreError, match="a memory card needs id"):
        store.add_memory_card({"version": 1, "kind": "tool_policy", "status": "candidate"})


def test_a_card_id_longer_than_the_column_is_refused(store: Store):
    with pytest.raises(StoreError, match="at most 100 characters"):
        store.add_memory_card(_dump(_card("x" * 101)))


def test_a_store_at_skill_training_upgrades_keeping_its_trainings_and_gains_the_memory_tables(db_url: str):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0005")
        connection.execute(insert(TrainingRow.__table__).values(OLD_TRAINING))
    engine.dispose()

    with Store.open(db_url) as store:
        assert [training.name for training in store.list_trainings()] == ["old"]
        assert {"memory_cards", "memory_events"} <= set(inspect(store.engine).get_table_names())
        _add(store, _card())
        assert store.memory_card("fail-1")["id"] == "fail-1"
