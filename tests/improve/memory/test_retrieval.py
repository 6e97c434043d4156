"""Retrieval: only promoted, in-scope cards; ranked by weighted relevance, trust and utility;
within the token budget and the card limit; the same in every process."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from fixloop.improve.memory.card import MemoryCard, MemoryScope
from fixloop.improve.memory.retrieval import (
    RetrievalSettings,
    in_scope,
    memory_section,
    retrieve,
    tokenize,
)
from fixloop.tasks.task import Task


def make_task(**overrides) -> Task:
    fields = {
        "id": "dates-1",
        "title": "parse_date is off by one day",
        "description": "parse_date returns the previous day for timestamps near midnight (timezone offset).",
        "tags": ["dates", "timezone"],
        "difficulty": "medium",
        "files": {
            "src/cal/parse.py": "def parse_date(s): ...\n",
            "tests/test_parse.py": "def test_x(): ...\n",
        },
        "reference_fix": {"src/cal/parse.py": "def parse_date(s): return s\n"},
    }
    return Task.model_validate({**fields, **overrides})


def make_card(
    card_id: str,
    content: str,
    *,
    trust: float = 0.5,
    utility: float = 0.5,
    status: str = "promoted",
    scope: MemoryScope | None = None,
) -> MemoryCard:
    return MemoryCard(
        id=card_id,
        kind="skill_card",
        content=content,
        trust=trust,
        utility=utility,
        status=status,
        scope=scope or MemoryScope(),
    )


def keys(retrieved) -> list[str]:
    return [item.card.key for item in retrieved]


def test_cards_rank_by_the_weighted_score() -> None:
    task = make_task()
    relevant = make_card("relevant", "parse_date off by one day: check the timezone offset near midnight.")
    trusted = make_card("trusted", "Read the failing test first.", trust=1.0, utility=1.0)
    neither = make_card("neither", "Sort imports alphabetically.", trust=0.1, utility=0.1)
    retrieved = retrieve([neither, trusted, relevant], task)
    for item in retrieved:
        expected = 0.4 * item.relevance + 0.3 * item.card.trust + 0.3 * item.card.utility
        assert item.score == pytest.approx(expected)
    assert retrieved[0].relevance == 1.0
    assert keys(retrieved) == ["relevant@1", "trusted@1", "neither@1"]
    assert [item.score for item in retrieved] == sorted((item.score for item in retrieved), reverse=True)


def test_the_weights_decide_the_order() -> None:
    task = make_task()
    relevant = make_card("relevant", "parse_date off by one day near midnight: the timezone offset.")
    trusted = make_card("trusted", "Read the failing test first.", trust=1.0, utility=1.0)
    only_relevance = RetrievalSettings(relevance_weight=1.0, trust_weight=0.0, utility_weight=0.0)
    assert keys(retrieve([trusted, relevant], task, only_relevance)) == ["relevant@1", "trusted@1"]


def test_equal_scores_are_ordered_by_card_key() -> None:
    cards = [make_card(name, "Unrelated lesson about logging.") for name in ("b", "c", "a")]
    assert keys(retrieve(cards, make_task())) == ["a@1", "b@1", "c@1"]


@pytest.mark.parametrize("status", ["candidate", "quarantined", "archived", "rejected"])
def test_a_card_that_is_not_promoted_is_never_retrieved(status: str) -> None:
    task = make_task()
    hidden = make_card("hidden", "parse_date timezone offset midnight", trust=1.0, utility=1.0, status=status)
    shown = make_card("shown", "Read the failing test first.")
    assert keys(retrieve([hidden, shown], task)) == ["shown@1"]


@pytest.mark.parametrize(
    ("scope", "admitted"),
    [
        (MemoryScope(), True),
        (MemoryScope(task_tags=("timezone", "unicode")), True),
        (MemoryScope(task_tags=("unicode",)), False),
        (MemoryScope(difficulties=("medium", "hard")), True),
        (MemoryScope(difficulties=("easy",)), False),
        (MemoryScope(files=("parse.py",)), True),
        (MemoryScope(files=("cal/parse.py",)), True),
        (MemoryScope(files=("format.py",)), False),
        (MemoryScope(agent_roles=("llm",)), True),
        (MemoryScope(agent_roles=("baseline",)), False),
    ],
)
def test_scope_fields_admit_or_exclude_the_task(scope: MemoryScope, admitted: bool) -> None:
    card = make_card("scoped", "Check the timezone.", scope=scope)
    assert in_scope(card, make_task()) is admitted
    assert keys(retrieve([card], make_task())) == (["scoped@1"] if admitted else [])


def test_scope_checks_the_agent_it_is_given() -> None:
    card = make_card("scoped", "Check the timezone.", scope=MemoryScope(agent_roles=("baseline",)))
    assert in_scope(card, make_task(), agent="baseline")
    assert keys(retrieve([card], make_task(), agent="baseline")) == ["scoped@1"]


def test_the_token_budget_is_never_exceeded_and_a_smaller_card_fits_after_a_large_one() -> None:
    big = make_card("big", "Check the timezone offset. " * 12, trust=1.0, utility=1.0)
    first = make_card("first", "Read the failing test first.", trust=0.9, utility=0.9)
    small = make_card("small", "Rerun the tests.", trust=0.1, utility=0.1)
    budget = first.tokens + small.tokens + 1
    assert big.tokens + first.tokens > budget
    retrieved = retrieve([big, first, small], make_task(), RetrievalSettings(token_budget=budget))
    assert keys(retrieved) == ["first@1", "small@1"]
    assert sum(item.card.tokens for item in retrieved) <= budget


def test_a_zero_budget_gives_nothing() -> None:
    card = make_card("one", "Read the failing test first.")
    assert retrieve([card], make_task(), RetrievalSettings(token_budget=0)) == []


def test_at_most_max_cards_are_retrieved() -> None:
    cards = [make_card(f"c{i}", f"Lesson number {i}.", trust=i / 10) for i in range(6)]
    retrieved = retrieve(cards, make_task(), RetrievalSettings(max_cards=3, token_budget=10_000))
    assert keys(retrieved) == ["c5@1", "c4@1", "c3@1"]


def test_relevance_is_normalised_to_the_unit_interval() -> None:
    task = make_task()
    cards = [
        make_card("a", "parse_date off by one day near midnight: check the timezone offset."),
        make_card("b", "timezone offsets shift dates."),
        make_card("c", "Sort imports alphabetically."),
    ]
    relevances = {item.card.id: item.relevance for item in retrieve(cards, task)}
    assert relevances["a"] == 1.0
    assert 0.0 < relevances["b"] < 1.0
    assert relevances["c"] == 0.0


def test_a_single_matching_card_has_full_relevance() -> None:
    card = make_card("only", "timezone offset near midnight")
    assert retrieve([card], make_task())[0].relevance == 1.0


def test_no_matching_words_give_zero_relevance() -> None:
    cards = [make_card("a", "Sort imports."), make_card("b", "Log less.")]
    assert [item.relevance for item in retrieve(cards, make_task())] == [0.0, 0.0]


def test_an_empty_card_list_gives_nothing() -> None:
    assert retrieve([], make_task()) == []


def test_memory_section_gives_the_card_texts_in_rank_order() -> None:
    low = make_card("low", "Sort imports.", trust=0.1)
    high = make_card("high", "Read the failing test first.", trust=0.9)
    assert memory_section(retrieve([low, high], make_task())) == [high.text(), low.text()]


def test_words_are_lower_case_runs_of_letters_digits_and_underscores() -> None:
    assert tokenize("parse_date() OFF-by-1 v2.0") == ["parse_date", "off", "by", "1", "v2", "0"]


RETRIEVAL_SCRIPT = textwrap.dedent(
    """
    import json
    from fixloop.improve.memory.card import MemoryCard
    from fixloop.improve.memory.retrieval import retrieve
    from fixloop.tasks.task import Task

    task = Task(
        id="dates-1",
        title="parse_date is off by one day",
        description="parse_date returns the previous day near midnight (timezone offset).",
        tags=["dates", "timezone"],
        files={"src/cal/parse.py": "x = 1\\n"},
        reference_fix={"src/cal/parse.py": "x = 2\\n"},
    )
    texts = [
        "parse_date off by one day: check the timezone offset.",
        "timezone offsets shift dates near midnight.",
        "Read the failing test first, then follow its imports.",
        "Day boundaries and dates: compare in UTC.",
        "Sort imports alphabetically.",
    ]
    cards = [
        MemoryCard(id=f"c{i}", kind="skill_card", content=t, status="promoted", trust=0.5, utility=0.5)
        for i, t in enumerate(texts)
    ]
    print(json.dumps([[r.card.key, r.relevance, r.score] for r in retrieve(cards, task)]))
    """
)


def test_retrieval_is_identical_across_processes_with_different_hash_seeds() -> None:
    outputs = []
    for seed in ("1", "12345"):
        result = subprocess.run(
            [sys.executable, "-c", RETRIEVAL_SCRIPT],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        )
        outputs.append(json.loads(result.stdout))
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 5
    assert outputs[0][0][1] == 1.0
