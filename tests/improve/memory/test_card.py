"""The MemoryCard lifecycle: which status changes are allowed, edits as new versions, use counters."""

from __future__ import annotations

import math
import re

import pytest

from fixloop.improve.memory.card import (
    MEMORY_STATUSES,
    TRANSITIONS,
    InvalidTransition,
    MemoryCard,
    MemoryScope,
    card_id,
    record_use,
    transition,
)
from fixloop.models.base import CHARS_PER_TOKEN

ALLOWED = [
    ("candidate", "quarantined"),
    ("candidate", "rejected"),
    ("quarantined", "promoted"),
    ("quarantined", "rejected"),
    ("promoted", "archived"),
]
FORBIDDEN = [
    (start, end) for start in MEMORY_STATUSES for end in MEMORY_STATUSES if (start, end) not in ALLOWED
]
"""Every other move, among them candidate→promoted (skipping the scan), rejected→anything,
archived→promoted and promoted→quarantined."""
MOVES_NAMED = {
    "candidate": "quarantined, rejected",
    "quarantined": "promoted, rejected",
    "promoted": "archived",
    "archived": "nothing (it is final)",
    "rejected": "nothing (it is final)",
}


def _card(**fields: object) -> MemoryCard:
    values: dict[str, object] = {"id": "fail-1", "kind": "failure_pattern", "content": "Run the tests first."}
    return MemoryCard.model_validate({**values, **fields})


def test_the_lifecycle_table_allows_exactly_the_documented_moves():
    assert {(start, end) for start, ends in TRANSITIONS.items() for end in ends} == set(ALLOWED)


@pytest.mark.parametrize(("start", "end"), ALLOWED)
def test_an_allowed_transition_sets_the_status_and_the_reason(start, end):
    moved = transition(_card(status=start), end, "  the replay   said so ")
    assert (moved.status, moved.status_reason) == (end, "the replay said so")


@pytest.mark.parametrize(("start", "end"), FORBIDDEN)
def test_a_forbidden_transition_is_refused_naming_the_allowed_moves(start, end):
    message = f"fail-1@1 is {start}; it may move to {MOVES_NAMED[start]}, not {end}"
    with pytest.raises(InvalidTransition, match=re.escape(message)):
        transition(_card(status=start), end, "because")


@pytest.mark.parametrize("reason", ["", "   "])
def test_a_transition_without_a_reason_is_refused(reason):
    with pytest.raises(InvalidTransition, match="needs a reason"):
        transition(_card(), "quarantined", reason)


def test_a_transition_leaves_the_original_card_unchanged():
    card = _card()
    transition(card, "quarantined", "scan passed")
    assert card.status == "candidate"


def test_an_edit_is_a_new_candidate_version_whose_parent_is_the_old_key():
    card = _card(status="promoted", status_reason="replay passed")
    edited = card.edited(content="Run the failing test first.")
    assert (edited.id, edited.version, edited.parent) == ("fail-1", 2, "fail-1@1")
    assert (edited.status, edited.status_reason) == ("candidate", "edited from fail-1@1")
    assert edited.content == "Run the failing test first."


def test_an_edit_resets_the_use_counters():
    used = record_use(record_use(_card(status="promoted"), helped=True), helped=True)
    edited = used.edited(strategy="Read the traceback.")
    assert (edited.retrievals, edited.helped, edited.utility) == (0, 0, 0.5)


def test_an_edit_keeps_what_it_does_not_change():
    card = _card(pattern="A test fails.", scope=MemoryScope(tools=("run_tests",)), trust=0.8)
    edited = card.edited(steps=("run the tests", "read the traceback"))
    assert (edited.pattern, edited.scope, edited.trust) == (card.pattern, card.scope, 0.8)
    assert edited.steps == ("run the tests", "read the traceback")


@pytest.mark.parametrize("field", ["status", "utility", "retrievals", "helped", "version", "id"])
def test_an_edit_of_a_field_that_is_not_content_is_refused(field):
    with pytest.raises(ValueError, match=f"not content, cannot be edited: {field}"):
        _card().edited(**{field: 1})


def test_record_use_counts_the_episode_and_whether_it_helped():
    card = record_use(record_use(record_use(_card(), helped=True), helped=False), helped=True)
    assert (card.retrievals, card.helped) == (3, 2)


def test_utility_moves_a_tenth_of_the_way_towards_each_outcome():
    card = _card()
    utilities = []
    for helped in (True, False, True, True):
        card = record_use(card, helped=helped)
        utilities.append(card.utility)
    # 0.5 → 0.5 + 0.1·(1 - 0.5) = 0.55 → 0.55 + 0.1·(0 - 0.55) = 0.495 → 0.5455 → 0.59095
    assert utilities == pytest.approx([0.55, 0.495, 0.5455, 0.59095])


def test_utility_stays_at_one_for_a_card_that_always_helps():
    card = _card(utility=1.0)
    assert record_use(card, helped=True).utility == 1.0


def test_card_id_is_the_same_on_every_call():
    assert card_id("failure_pattern", "Run the tests first.") == card_id(
        "failure_pattern", "Run the tests first."
    )


def test_card_id_ignores_case_and_spacing():
    assert card_id("tool_policy", "Run  the\nTests first.") == card_id("tool_policy", "run the tests first.")


def test_card_id_differs_by_kind_and_by_content():
    ids = {
        card_id("tool_policy", "Run the tests first."),
        card_id("failure_pattern", "Run the tests first."),
        card_id("tool_policy", "Read the traceback."),
    }
    assert len(ids) == 3


def test_card_id_is_prefixed_with_the_start_of_its_kind():
    assert card_id("failure_pattern", "x").startswith("fail-")
    assert card_id("tool_policy", "x").startswith("tool-")


def test_text_renders_kind_content_pattern_strategy_and_steps():
    card = _card(
        content="Run the tests first.",
        pattern="A task says a test fails.",
        strategy="Run that test before editing.",
        steps=("run_tests", "read_file the failing module"),
    )
    assert card.text() == (
        "(failure pattern) Run the tests first. When: A task says a test fails. "
        "Do: Run that test before editing. Steps: run_tests; read_file the failing module"
    )


def test_text_leaves_out_empty_parts():
    assert _card(kind="tool_policy").text() == "(tool policy) Run the tests first."


def test_content_is_kept_as_one_paragraph():
    assert _card(content="Run the\n   tests  first.").content == "Run the tests first."


def test_content_of_only_whitespace_is_refused():
    with pytest.raises(ValueError, match="at least 1 character"):
        _card(content=" \n ")


def test_tokens_estimate_the_rendered_text():
    card = _card(strategy="Run that test before editing.")
    assert card.tokens == math.ceil(len(card.text()) / CHARS_PER_TOKEN)


def test_key_is_the_id_and_version():
    assert _card(version=3).key == "fail-1@3"
