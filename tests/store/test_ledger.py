"""A training's Ledger: append-only, numbered entries that a resumed training never repeats."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from fixloop.store import Store, StoreError
from fixloop.store.redaction import REDACTED


@pytest.fixture
def training(store: Store) -> str:
    return store.create_training("t1", config={}, simulated=False).name


def test_ledger_entries_come_back_in_seq_order(store: Store, training: str):
    for seq in (2, 0, 1):
        assert store.append_ledger(training, seq, {"proposal": seq}) is True
    assert store.ledger(training) == [{"proposal": 0}, {"proposal": 1}, {"proposal": 2}]


def test_appending_a_seq_again_returns_false_and_keeps_the_first_entry(store: Store, training: str):
    store.append_ledger(training, 0, {"verdict": "adopt"})
    assert store.append_ledger(training, 0, {"verdict": "reject"}) is False
    assert store.ledger(training) == [{"verdict": "adopt"}]


def test_each_training_has_a_ledger_of_its_own(store: Store, training: str):
    store.create_training("t2", config={}, simulated=False)
    store.append_ledger(training, 0, {"from": "t1"})
    assert store.append_ledger("t2", 0, {"from": "t2"}) is True
    assert store.ledger("t2") == [{"from": "t2"}]


def test_appending_to_an_unknown_training_is_refused(store: Store):
    with pytest.raises(StoreError, match="no training named 't9'"):
        store.append_ledger("t9", 0, {})


def test_reading_the_ledger_of_an_unknown_training_is_refused(store: Store):
    with pytest.raises(StoreError, match="no training named 't9'"):
        store.ledger("t9")


def test_secret_looking_strings_in_entries_are_redacted(store: Store, training: str):
    store.append_ledger(training, 0, {"evidence": "called with Bearer abcdef0123456789", "token_count": 5})
    assert store.ledger(training) == [{"evidence": f"called with Bearer {REDACTED}", "token_count": 5}]


def test_one_seq_appended_from_many_threads_at_once_is_recorded_once(store: Store, training: str):
    with ThreadPoolExecutor(8) as pool:
        added = list(pool.map(lambda n: store.append_ledger(training, 0, {"writer": n}), range(8)))
    assert added.count(True) == 1
    assert len(store.ledger(training)) == 1
