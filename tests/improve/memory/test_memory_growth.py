"""Memory grows without bound, what an agent is given does not, and it costs no resolves.

The store holds the cards extracted from a sim:careless run plus sixty promoted lessons of
every kind, scoped to no task, to a tag, or to a difficulty — more than any task's budget can
take. Every task is then given at most `max_cards` cards within `token_budget` tokens, and a
run with `--memory` resolves no fewer episodes than the same run without it, beyond noise.
"""

from __future__ import annotations

from itertools import product

import pytest
from scipy import stats
from typer.testing import CliRunner

from fixloop.analysis.statistics import paired_resolve_test
from fixloop.cli import app
from fixloop.improve.memory.card import MemoryCard, MemoryKind, MemoryScope, card_id
from fixloop.improve.memory.recall import memory_jobs, promoted_cards
from fixloop.improve.memory.retrieval import RetrievalSettings, in_scope
from fixloop.models.base import estimated_tokens
from fixloop.rollout.run_session import RunSettings, select_tasks, stored_context
from fixloop.store import Store
from fixloop.tasks.task import Task
from tests.improve.skills.training_fixtures import FAST_TASKS

runner = CliRunner()

RUN_TASKS = FAST_TASKS[:10]
EPISODES = 2
BUDGET = RetrievalSettings()

LESSONS: list[tuple[MemoryKind, str, str, str]] = [
    ("skill_card", "Read the failing test first: its assertion names the behaviour to restore.",
     "a test fails with an AssertionError", "Read the test, then the function it calls."),
    ("skill_card", "Never write before reading: read the file before you edit it.",
     "about to edit a file not yet read", "Open the file, find the exact lines, then edit."),
    ("tool_policy", "Use search to find where a name is defined instead of reading every module.",
     "the failing function is imported from elsewhere", "Search for 'def NAME' and read that file."),
    ("tool_policy", "Run the tests after every edit; an edit is only a guess until they pass.",
     "an edit was just made", "Run the tests and compare the failing set with the one before."),
    ("failure_pattern", "Off-by-one at a range boundary: inclusive and exclusive ends were mixed up.",
     "a test fails only at the first or last element", "Check < against <= at both ends."),
    ("failure_pattern", "Dates near midnight or month ends shift by a day when the time zone is dropped.",
     "a datetime test fails by exactly one day", "Keep the tzinfo through every conversion."),
    ("failure_pattern", "A parser splits on the separator inside quotes.",
     "quoted values come back cut in two", "Handle quotes before splitting; keep escaped quotes."),
    ("episodic_case", "A fix that worked: run the tests, then read the failing test, then edit the "
     "buggy lines, then run the tests, then submit.", "", ""),
    ("critic_calibration", "An edit that makes one more test pass is progress even if others still fail.",
     "judging an intermediate step", "Score by the change in passing tests, not by the final verdict."),
    ("skill_card", "Submit only on a pass: a submission with failing tests ends the episode unresolved.",
     "the tests still fail", "Fix, rerun the tests, and submit only when they all pass."),
    ("failure_pattern", "Rounding money with float arithmetic drifts by a cent.",
     "a currency total is off by 0.01", "Use Decimal with ROUND_HALF_UP at the documented step."),
    ("skill_card", "Keep the fix minimal: change the buggy lines, not the function around them.",
     "a rewrite is tempting", "Replace only the lines the failing test points at."),
]  # fmt: skip
"""Lessons as the extractor and people write them: (kind, content, when, do)."""

SCOPES = [
    MemoryScope(),
    MemoryScope(task_tags=("datetime",)),
    MemoryScope(task_tags=("parsing", "spec")),
    MemoryScope(difficulties=("easy",)),
    MemoryScope(agent_roles=("llm",), difficulties=("medium", "hard")),
]


def cli(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def synthetic_cards() -> list[MemoryCard]:
    """Sixty promoted cards: every lesson in every scope, with varied trust and utility."""
    cards = []
    for index, ((kind, content, when, do), scope) in enumerate(product(LESSONS, SCOPES)):
        cards.append(
            MemoryCard(
                id=card_id(kind, content, scope), kind=kind, content=content, pattern=when, strategy=do,
                scope=scope, status="promoted", status_reason="replay: accepted",
                trust=0.3 + 0.05 * (index % 10), utility=0.2 + 0.07 * (index % 11),
            )
        )  # fmt: skip
    return cards


def run(db: str, name: str, *options: str) -> None:
    result = cli(
        "run", "--agent", "llm", "--model", "sim:careless", *(f"--task={t}" for t in RUN_TASKS),
        "--episodes-per-task", str(EPISODES), "--run-name", name, "--db", db, "--json", *options,
    )  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def grown(tmp_path_factory):
    """A store after a run without memory whose cards were extracted and promoted, plus the
    sixty synthetic cards, and then the run `memory` with --memory; the store's URL."""
    db = f"sqlite:///{tmp_path_factory.mktemp('memory-growth') / 'fixloop.db'}"
    run(db, "plain")
    assert cli("memory", "extract", "plain", "--db", db).exit_code == 0
    with Store.open(db) as store:
        for card in store.memory_cards(status="candidate"):
            store.update_memory_card({**card, "status": "promoted", "status_reason": "replay: accepted"})
        for card in synthetic_cards():
            store.add_memory_card(card.model_dump(mode="json"))
    run(db, "memory", "--memory")
    return db


@pytest.fixture(scope="module")
def every_task() -> list[Task]:
    return select_tasks(RunSettings(suite="builtin", task_ids=FAST_TASKS))


def injected(texts: list[str]) -> int:
    return sum(estimated_tokens(text) for text in texts)


def test_every_task_has_more_promoted_memory_in_scope_than_its_budget(grown, every_task):
    with Store.open(grown) as store:
        cards = promoted_cards(store)
    assert len(cards) > 60
    for task in every_task:
        fitting = [card for card in cards if in_scope(card, task)]
        assert sum(card.tokens for card in fitting) > BUDGET.token_budget, task.id


def test_every_task_is_given_memory_within_the_token_budget_and_card_limit(grown, every_task):
    with Store.open(grown) as store:
        jobs, _ = memory_jobs(store, every_task, 1)
    for job in jobs:
        texts = job.context.memory_cards
        assert texts, job.task.id
        assert len(texts) <= BUDGET.max_cards, job.task.id
        assert injected(texts) <= BUDGET.token_budget, job.task.id


def test_every_episode_of_a_memory_run_was_given_memory_within_the_budget(grown):
    with Store.open(grown) as store:
        contexts = [stored_context(store, t.context_version) for t in store.trajectories("memory")]
    assert len(contexts) == len(RUN_TASKS) * EPISODES
    for context in contexts:
        assert 0 < len(context.memory_cards) <= BUDGET.max_cards
        assert injected(context.memory_cards) <= BUDGET.token_budget


def test_a_run_with_memory_resolves_no_fewer_episodes_beyond_noise(grown):
    """One-sided exact McNemar on the (task, episode) pairs: a drop significant at 0.05 fails."""
    with Store.open(grown) as store:
        memory, plain = (store.keyed_trajectories(name) for name in ("memory", "plain"))
    pairs = sorted(memory)
    assert pairs == sorted(plain) and len(pairs) == len(RUN_TASKS) * EPISODES
    test = paired_resolve_test(
        [memory[p].outcome == "resolved" for p in pairs], [plain[p].outcome == "resolved" for p in pairs]
    )
    discordant = test.a_only + test.b_only
    drop_p = stats.binomtest(test.a_only, discordant, 0.5, alternative="less").pvalue if discordant else 1.0
    assert drop_p >= 0.05, f"memory alone resolved {test.a_only} pairs, the plain run alone {test.b_only}"
