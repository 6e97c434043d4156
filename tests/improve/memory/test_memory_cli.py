"""`fixloop memory` over real sim:careless runs, and `fixloop run --memory`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.improve.memory.card import MemoryCard, card_id
from fixloop.rollout.run_session import RunSettings, execute_run, select_tasks, start_run, stored_context
from fixloop.store import Store
from fixloop.tasks.loader import SUITES

runner = CliRunner()

RUN = "careless"
RUN_TASKS = [
    "batching-partial-default",
    "dotenv-parser-spec",
    "leaderboard-shared-rank",
    "receipt-cents-format",
]
"""Fast builtin tasks, two episodes each: sim:careless (seed 0) resolves both episodes of
dotenv-parser-spec the same way, so the second one supports the first one's card."""

SUITE_TASKS = [
    "batching-partial-default",
    "clock-midnight-hour",
    "csv-embedded-quotes",
    "dotenv-parser-spec",
    "fahrenheit-to-celsius",
    "hex-color-shorthand",
    "leap-year-centuries",
    "pager-exact-multiple",
]
"""The small suite replays play on (no task of it can hang a test run)."""

HELPFUL = (
    "Never write before reading: read the file before you edit it, do not guess, and submit only on a pass."
)


def cli(*args: str):
    """`fixloop ARGS` on a terminal wide enough that tables keep every cell on one line."""
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def stored(url: str, card: str) -> MemoryCard:
    with Store.open(url) as store:
        return MemoryCard.model_validate(store.memory_card(card))


def add(url: str, content: str = HELPFUL, **fields: object) -> MemoryCard:
    card = MemoryCard(id=card_id("skill_card", content), kind="skill_card", content=content, **fields)
    with Store.open(url) as store:
        store.add_memory_card(card.model_dump(mode="json"))
    return card


@pytest.fixture(scope="module")
def run_db(tmp_path_factory) -> Path:
    """A store holding the run `careless`: sim:careless, two episodes of each of RUN_TASKS."""
    path = tmp_path_factory.mktemp("memory-cli") / "fixloop.db"
    settings = RunSettings(
        agent="llm", model="sim:careless", suite="builtin", task_ids=RUN_TASKS, episodes_per_task=2,
        concurrency=4,
    )  # fmt: skip
    with Store.open(f"sqlite:///{path}") as store:
        tasks = select_tasks(settings)
        execute_run(store, start_run(store, RUN, settings, tasks), settings, tasks)
    return path


@pytest.fixture
def with_run(run_db, private_store, tmp_path) -> str:
    """This test's own copy of the store with the run `careless`; its URL."""
    shutil.copy(run_db, tmp_path / "fixloop.db")
    return private_store


@pytest.fixture
def extracted(with_run) -> list[dict]:
    """The rows of `fixloop memory extract careless --json`."""
    result = cli("memory", "extract", RUN, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def suite(tmp_path_factory) -> Path:
    """A suite directory of SUITE_TASKS (links to the builtin tasks)."""
    path = tmp_path_factory.mktemp("suite")
    for task in SUITE_TASKS:
        (path / task).symlink_to(SUITES["builtin"] / task, target_is_directory=True)
    return path


# memory extract


def test_extract_stores_each_new_card_as_a_candidate(extracted, with_run):
    new = [row for row in extracted if row["outcome"] == "new"]
    assert new
    with Store.open(with_run) as store:
        cards = {c["id"]: c for c in store.memory_cards()}
    assert sorted(cards) == sorted(row["card"] for row in new)
    assert {c["status"] for c in cards.values()} == {"candidate"}


def test_extract_labels_every_row_simulated(extracted):
    assert extracted
    assert all(row["simulated"] is True for row in extracted)


def test_extract_adds_a_repeated_lesson_to_its_cards_support(extracted, with_run):
    (support,) = [row for row in extracted if row["outcome"] == "support"]
    assert support["task"] == "dotenv-parser-spec"
    card = stored(with_run, support["card"])
    assert [(s.task_id, s.episode_index) for s in card.sources] == [
        ("dotenv-parser-spec", 0),
        ("dotenv-parser-spec", 1),
    ]


def test_extract_table_counts_new_cards_and_shows_support(with_run):
    result = cli("memory", "extract", RUN)
    assert result.exit_code == 0, result.output
    assert "8 cards drawn (7 new)" in result.stdout
    assert "support" in result.stdout


def test_extracting_a_run_again_adds_no_card(extracted, with_run):
    again = json.loads(cli("memory", "extract", RUN, "--json").stdout)
    assert {row["outcome"] for row in again} == {"support"}
    with Store.open(with_run) as store:
        assert len(store.memory_cards()) == len({row["card"] for row in extracted})


def test_extract_of_an_unknown_run_fails(with_run):
    result = cli("memory", "extract", "no-such-run")
    assert result.exit_code == 2
    assert "no-such-run" in result.stderr


# memory list


def test_list_shows_only_cards_of_the_status_asked_for(extracted, with_run):
    rejected = extracted[0]["card"]
    assert cli("memory", "reject", rejected, "--reason", "not a lesson").exit_code == 0
    listed = json.loads(cli("memory", "list", "--status", "rejected", "--json").stdout)
    assert [c["id"] for c in listed] == [rejected]
    candidates = json.loads(cli("memory", "list", "--status", "candidate", "--json").stdout)
    assert rejected not in [c["id"] for c in candidates]


def test_list_shows_only_cards_of_the_kind_asked_for(extracted):
    patterns = {row["card"] for row in extracted if row["kind"] == "failure_pattern"}
    listed = json.loads(cli("memory", "list", "--kind", "failure_pattern", "--json").stdout)
    assert patterns
    assert {c["id"] for c in listed} == patterns


def test_list_with_an_unknown_status_fails_naming_the_statuses(with_run):
    result = cli("memory", "list", "--status", "approved")
    assert result.exit_code == 2
    assert "unknown status 'approved'" in result.stderr
    assert "promoted" in result.stderr


# memory show


def test_show_json_has_the_card_and_its_events(private_store):
    card = add(private_store)
    cli("memory", "reject", card.id, "--reason", "too vague")
    data = json.loads(cli("memory", "show", card.id, "--json").stdout)
    assert data["card"]["content"] == HELPFUL
    assert [(e["from_status"], e["to_status"], e["reason"]) for e in data["events"]] == [
        (None, "candidate", "created"),
        ("candidate", "rejected", "too vague"),
    ]


def test_show_of_an_unknown_card_fails(private_store):
    result = cli("memory", "show", "skil-0000000000")
    assert result.exit_code == 2
    assert "no memory card 'skil-0000000000'" in result.stderr


# memory reject / archive


def test_reject_moves_a_candidate_to_rejected_with_the_reason(private_store):
    card = add(private_store)
    result = cli("memory", "reject", card.id, "--reason", "says nothing new")
    assert result.exit_code == 0, result.output
    after = stored(private_store, card.id)
    assert (after.status, after.status_reason) == ("rejected", "says nothing new")


def test_archive_moves_a_promoted_card_to_archived_with_the_reason(private_store):
    card = add(private_store, status="promoted", status_reason="replay: accepted")
    result = cli("memory", "archive", card.id, "--reason", "outdated")
    assert result.exit_code == 0, result.output
    assert stored(private_store, card.id).status == "archived"


def test_archiving_a_candidate_fails_naming_the_moves_it_allows(private_store):
    card = add(private_store)
    result = cli("memory", "archive", card.id, "--reason", "outdated")
    assert result.exit_code == 2
    assert "it may move to quarantined, rejected, not archived" in result.stderr
    assert stored(private_store, card.id).status == "candidate"


def test_rejecting_a_rejected_card_fails_saying_it_is_final(private_store):
    card = add(private_store, status="rejected", status_reason="scan: secret")
    result = cli("memory", "reject", card.id, "--reason", "again")
    assert result.exit_code == 2
    assert "nothing (it is final)" in result.stderr


@pytest.mark.parametrize("command", ["reject", "archive"])
def test_a_move_without_a_reason_fails(private_store, command):
    card = add(private_store)
    result = cli("memory", command, card.id)
    assert result.exit_code == 2
    assert "--reason" in result.output
    assert stored(private_store, card.id).status == "candidate"


# memory ci / promote (real replays of sim:careless on a small suite)


def replay_options(suite: Path) -> list[str]:
    return ["--model", "sim:careless", "--path", str(suite), "--repeats", "1"]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory, suite):
    """A store with one candidate card, after `fixloop memory ci --card ID --json` on it: the
    store's URL, the card as it was added, and the command's result."""
    url = f"sqlite:///{tmp_path_factory.mktemp('memory-ci') / 'fixloop.db'}"
    card = add(url)
    result = cli(
        "memory", "ci", "--card", card.id, "--held-out", "4", *replay_options(suite), "--db", url, "--json"
    )
    assert result.exit_code == 0, result.output
    return url, card, result


def test_ci_replays_a_card_and_promotes_or_rejects_it_for_the_gates_reason(replayed):
    url, card, result = replayed
    (outcome,) = json.loads(result.stdout)
    after = stored(url, card.id)
    assert outcome["card"] == card.key
    assert outcome["status"] == after.status
    assert after.status in ("promoted", "rejected")
    assert after.status_reason.startswith("replay: ") and outcome["reason"] == after.status_reason
    assert outcome["tasks"] and set(outcome["tasks"]) <= set(SUITE_TASKS)


def test_ci_records_the_scan_and_the_replay_as_transitions(replayed):
    url, card, _ = replayed
    with Store.open(url) as store:
        events = store.memory_events(card.id)
    assert [(e["from_status"], e["to_status"]) for e in events][:2] == [
        (None, "candidate"),
        ("candidate", "quarantined"),
    ]
    assert events[-1]["from_status"] == "quarantined" and events[-1]["reason"].startswith("replay: ")


def test_ci_stores_the_replays_as_memory_ci_runs(replayed):
    url, card, _ = replayed
    with Store.open(url) as store:
        names = {run.name for run in store.list_runs()}
    assert {f"memory-ci:replay-{card.key}-candidate", f"memory-ci:replay-{card.key}-incumbent"} <= names


def test_ci_labels_its_replays_simulated(replayed):
    _, _, result = replayed
    assert "sim:careless: simulated" in result.stderr


def test_ci_without_a_model_fails_saying_replays_need_one(private_store):
    card = add(private_store)
    result = cli("memory", "ci", "--card", card.id)
    assert result.exit_code == 2
    assert "replays need the agent's model" in result.stderr


def test_promote_replays_the_card_and_records_the_request_in_the_reason(private_store, suite):
    card = add(private_store)
    result = cli(
        "memory", "promote", card.id, "--reason", "it worked for me", *replay_options(suite), "--json"
    )
    assert result.exit_code == 0, result.output
    outcome = json.loads(result.stdout)
    assert outcome["reason"].startswith("replay: ")
    assert outcome["reason"].endswith("(asked: it worked for me)")
    assert stored(private_store, card.id).status in ("promoted", "rejected")


# run --memory

MEMORY_TASKS = ["pager-exact-multiple", "leaderboard-shared-rank"]


def run_with_memory(*args: str):
    return cli(
        "run", "--agent", "llm", "--model", "sim:careless", *(f"--task={t}" for t in MEMORY_TASKS),
        "--memory", "--run-name", "m", "--json", *args,
    )  # fmt: skip


def test_run_with_memory_gives_every_episode_the_promoted_card(private_store):
    card = add(private_store, status="promoted", status_reason="replay: accepted")
    result = run_with_memory()
    assert result.exit_code == 0, result.output
    with Store.open(private_store) as store:
        trajectories = store.trajectories("m")
        contexts = [stored_context(store, t.context_version) for t in trajectories]
    assert len(trajectories) == len(MEMORY_TASKS)
    assert all(context.memory_cards == [card.text()] for context in contexts)


def test_run_with_memory_counts_each_episode_the_card_was_given_to(private_store):
    card = add(private_store, status="promoted", status_reason="replay: accepted")
    rows = json.loads(run_with_memory().stdout)
    scored = [r for r in rows if r["outcome"] not in ("infra_error", "budget_exhausted")]
    after = stored(private_store, card.id)
    assert after.retrievals == len(scored) == len(MEMORY_TASKS)
    assert after.helped == sum(r["outcome"] == "resolved" for r in scored)


def test_run_with_memory_gives_no_card_that_is_not_promoted(private_store):
    add(private_store)
    assert run_with_memory().exit_code == 0
    with Store.open(private_store) as store:
        contexts = [stored_context(store, t.context_version) for t in store.trajectories("m")]
    assert all(context.memory_cards == [] for context in contexts)


def test_run_with_memory_for_the_oracle_agent_fails(private_store):
    result = cli("run", "--agent", "oracle", "--task", MEMORY_TASKS[0], "--memory")
    assert result.exit_code == 2
    assert "--memory is for the llm agent" in result.stderr
