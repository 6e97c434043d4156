"""Agent contexts recorded under their version id, as trajectories name them."""

from __future__ import annotations

import pytest

from fixloop.store import Store, StoreError

PIECES = {"base_prompt": "You fix bugs.", "skill": "- R1: test first", "memory_cards": ["a lesson"]}


def test_a_context_version_reads_back_its_pieces(store: Store):
    assert store.add_context_version("0123456789ab", PIECES) == "0123456789ab"
    assert store.context_version("0123456789ab") == PIECES


def test_recording_a_version_again_keeps_the_first(store: Store):
    store.add_context_version("0123456789ab", PIECES)
    store.add_context_version("0123456789ab", {**PIECES, "skill": "other"})
    assert store.context_version("0123456789ab") == PIECES


def test_secrets_in_a_context_are_redacted(store: Store):
    store.add_context_version("0123456789ab", {"retry_notes": "the key is sk-test-SECRET-5f3a9c17abcdef"})
    assert "SECRET-5f3a9c17" not in store.context_version("0123456789ab")["retry_notes"]


def test_an_unrecorded_version_is_refused(store: Store):
    with pytest.raises(StoreError, match="no agent context version"):
        store.context_version("0123456789ab")
