"""Skill versions stored under their content hash, found by id or by a prefix of it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from fixloop.store import Store, StoreError
from fixloop.store.redaction import REDACTED

CONTENT = {"rules": [{"id": "R1", "text": "Run the failing test first."}]}
MARKDOWN = "- R1: Run the failing test first."
V1 = "abcd1234" + "0" * 56
V2 = "abcd5678" + "0" * 56
V3 = "ffff0000" + "0" * 56


def _add(store: Store, version: str, **kwargs) -> None:
    store.add_skill_version(version, content=CONTENT, markdown=MARKDOWN, tokens=9, **kwargs)


def test_a_skill_version_reads_back_as_added(store: Store):
    store.create_training("t1", config={}, simulated=False)
    added = store.add_skill_version(
        V1, content=CONTENT, markdown=MARKDOWN, tokens=9, parent=V3, training="t1"
    )
    assert (added.id, added.parent, added.training, added.content, added.markdown, added.tokens) == (
        V1,
        V3,
        "t1",
        CONTENT,
        MARKDOWN,
        9,
    )
    assert store.skill_version(V1) == added


def test_adding_a_version_again_keeps_the_first_parent_and_training(store: Store):
    store.create_training("t1", config={}, simulated=False)
    store.create_training("t2", config={}, simulated=False)
    first = store.add_skill_version(
        V1, content=CONTENT, markdown=MARKDOWN, tokens=9, parent=V3, training="t1"
    )
    again = store.add_skill_version(V1, content={}, markdown="other", tokens=1, parent=V2, training="t2")
    assert again == first
    assert store.skill_version(V1) == first


def test_a_version_is_found_by_a_unique_prefix(store: Store):
    _add(store, V1)
    _add(store, V3)
    assert store.skill_version("ffff").id == V3


def test_an_ambiguous_prefix_names_the_versions_it_matches(store: Store):
    _add(store, V1)
    _add(store, V2)
    with pytest.raises(StoreError, match=f"'abcd' matches 2 skill versions: {V1}, {V2}"):
        store.skill_version("abcd")


def test_an_unknown_version_is_refused(store: Store):
    _add(store, V1)
    with pytest.raises(StoreError, match="no skill version 'ab12'"):
        store.skill_version("ab12")


def test_a_prefix_shorter_than_four_characters_is_refused(store: Store):
    _add(store, V1)
    with pytest.raises(StoreError, match="no skill version 'abc'; give its full id or at least 4"):
        store.skill_version("abc")


def test_a_prefix_is_matched_literally_and_with_its_case(store: Store):
    _add(store, V1)
    for prefix in ("ab%d", "ab_d", "ABCD"):
        with pytest.raises(StoreError, match="no skill version"):
            store.skill_version(prefix)


def test_skill_versions_of_a_training_are_its_own_oldest_first(store: Store):
    store.create_training("t1", config={}, simulated=False)
    store.create_training("t2", config={}, simulated=False)
    _add(store, V3, training="t1")
    _add(store, V2, training="t2")
    _add(store, V1, training="t1")
    assert [version.id for version in store.skill_versions("t1")] == [V3, V1]


def test_skill_versions_without_a_training_are_every_version_oldest_first(store: Store):
    store.create_training("t1", config={}, simulated=False)
    _add(store, V3, training="t1")
    _add(store, V1)
    assert [(version.id, version.training) for version in store.skill_versions()] == [(V3, "t1"), (V1, None)]


def test_a_version_from_an_unknown_training_is_refused(store: Store):
    with pytest.raises(StoreError, match="no training named 't9'"):
        _add(store, V1, training="t9")


def test_secrets_in_a_skill_version_are_redacted(store: Store):
    key = "sk-test-SECRET-5f3a9c17abcdef"
    store.add_skill_version(V1, content={"rules": [{"text": f"use {key}"}]}, markdown=f"use {key}", tokens=2)
    stored = store.skill_version(V1)
    assert (stored.content, stored.markdown) == ({"rules": [{"text": f"use {REDACTED}"}]}, f"use {REDACTED}")


def test_a_version_added_from_many_threads_at_once_is_stored_once(store: Store):
    with ThreadPoolExecutor(8) as pool:
        added = list(pool.map(lambda _: _add(store, V1), range(8)))
    assert added == [None] * 8
    assert [version.id for version in store.skill_versions()] == [V1]
