"""fixloop critic on a real run: sim:weak over four fast builtin tasks, two episodes each."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from fixloop.cli import critic as critic_cli
from fixloop.cli.main import app
from fixloop.improve.memory.card import MemoryCard
from fixloop.store import Store
from tests.fake_openai_server import FakeOpenAIServer, Reply
from tests.improve.skills.training_fixtures import FAST_TASKS

TASKS = ["build-order-tiebreak", "import-cycles-long-loop", "ini-quoted-values", "clickstream-sessions"]
"""Tasks where sim:weak makes edits that break passing tests, so Φ* falls after some steps."""

runner = CliRunner()


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    assert set(TASKS) <= set(FAST_TASKS)
    url = f"sqlite:///{tmp_path_factory.mktemp('critic') / 'fixloop.db'}"
    tasks = [arg for task in TASKS for arg in ("--task", task)]
    result = runner.invoke(
        app,
        ["run", "--agent", "llm", "--model", "sim:weak", "--suite", "builtin", *tasks,
         "--episodes-per-task", "2", "--run-name", "weak", "--concurrency", "4", "--db", url, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return url


@pytest.fixture(scope="module")
def good(db: str) -> dict[str, Any]:
    return invoke("critic", "eval", "weak", "--model", "sim-critic:good", "--db", db, "--json")


def test_a_good_critic_ranks_and_scores_closer_to_the_ground_truth_than_a_noisy_one(db, good):
    noisy = invoke("critic", "eval", "weak", "--model", "sim-critic:noisy", "--db", db, "--json")
    assert good["evaluation"]["spearman"] > noisy["evaluation"]["spearman"]
    assert good["evaluation"]["mae"] < noisy["evaluation"]["mae"]


def test_the_evaluation_is_labelled_simulated_and_covers_every_step(good):
    assert good["simulated"] is True and good["evaluation"]["simulated"] is True
    assert good["episodes"] == 8
    assert good["evaluation"]["steps"] == len(good["steps"]) > 8
    assert len(good["evaluation"]["calibration"]) == 5


def test_the_evaluation_is_stored_with_the_run(db, good):
    with Store.open(db) as store:
        stored = store.critic_evaluations("weak")
    assert {(e["critic"], e["simulated"]) for e in stored} >= {("sim-critic:good", True)}


def test_ground_truth_is_measured_once_and_read_from_the_store_afterwards(db, good, monkeypatch):
    measured: list[str] = []
    original = critic_cli.measure_ground_truth

    def counting(task, trajectory, sandbox=None):
        measured.append(task.id)
        return original(task, trajectory, sandbox)

    monkeypatch.setattr(critic_cli, "measure_ground_truth", counting)
    with Store.open(db) as store:
        before = [store.ground_truth("weak", task, index) for task in TASKS for index in (0, 1)]
    again = invoke("critic", "eval", "weak", "--model", "sim-critic:good", "--db", db, "--json")
    with Store.open(db) as store:
        after = [store.ground_truth("weak", task, index) for task in TASKS for index in (0, 1)]
    assert measured == [] and again["measured_episodes"] == 0
    assert before == after and all(before)
    assert again["evaluation"] == good["evaluation"]


def test_the_sandbox_measures_phi_star_for_every_episode_the_first_time(good):
    assert good["measured_episodes"] == 8


def test_calibrate_draws_candidate_calibration_cards_citing_their_steps(db, good):
    drawn = invoke("critic", "calibrate", "weak", "--db", db, "--json")
    assert drawn["cards"] and not drawn["ci"]
    with Store.open(db) as store:
        cards = [MemoryCard.model_validate(c) for c in store.memory_cards(kind="critic_calibration")]
    assert {r["card"] for r in drawn["cards"]} == {c.id for c in cards}
    assert all(c.status == "candidate" and c.creator == "critic:template" for c in cards)
    assert all(s.run == "weak" and s.step is not None for c in cards for s in c.sources)
    assert {r["mistake"] for r in drawn["cards"]} >= {"sycophancy", "ignoring_evidence"}


def test_calibrating_again_adds_support_not_duplicates(db, good):
    invoke("critic", "calibrate", "weak", "--db", db, "--json")
    with Store.open(db) as store:
        before = len(store.memory_cards(kind="critic_calibration"))
    again = invoke("critic", "calibrate", "weak", "--db", db, "--json")
    with Store.open(db) as store:
        assert len(store.memory_cards(kind="critic_calibration")) == before
    assert not any(r["new"] for r in again["cards"])


def test_critic_ci_promotes_sycophancy_lessons_for_the_sycophant_and_rejects_irrelevant_ones(db, good):
    invoke("critic", "calibrate", "weak", "--db", db, "--json")
    outcomes = invoke("critic", "ci", "weak", "--model", "sim-critic:sycophant", "--db", db, "--json")
    with Store.open(db) as store:
        mistakes = {
            o["card"]: MemoryCard.model_validate(store.memory_card(o["card"].split("@")[0])).sources[0].label
            for o in outcomes
        }
    statuses = {(mistakes[o["card"]], o["status"]) for o in outcomes}
    assert ("sycophancy", "promoted") in statuses
    assert ("ignoring_evidence", "rejected") in statuses
    assert all(o["reason"].startswith("replay: ") for o in outcomes)


def test_a_model_critic_scores_every_step_over_http_and_simulated_episodes_keep_the_label(db, good):
    reply = Reply.json(
        {"phi": 5.0, "reasoning": "half", "evidence": "half the tests pass", "confidence": 0.9}
    )
    with FakeOpenAIServer(reply) as server:
        data = invoke(
            "critic", "eval", "weak", "--model", "openai:fake-model", "--base-url", server.base_url,
            "--api-key", "sk-test", "--db", db, "--json",
        )  # fmt: skip
        requests = len(server.requests)
    assert data["critic"] == "llm-critic:openai:fake-model"
    assert requests == len(data["steps"]) and {s["phi"] for s in data["steps"]} == {5.0}
    assert data["evaluation"]["spearman"] is None
    assert data["simulated"] is True  # the episodes were played by sim:weak


def test_a_critic_must_be_named():
    result = runner.invoke(app, ["critic", "eval", "weak"])
    assert result.exit_code == 2
    assert "--model sim-critic:PRESET" in result.stderr


def test_an_unknown_simulated_critic_lists_the_presets():
    result = runner.invoke(app, ["critic", "eval", "weak", "--model", "sim-critic:shy"])
    assert result.exit_code == 2
    assert "sim-critic:good, sim-critic:noisy, sim-critic:sycophant" in result.stderr


def test_the_llm_contrast_needs_a_model():
    result = runner.invoke(app, ["critic", "calibrate", "weak", "--contrast", "llm"])
    assert result.exit_code == 2
    assert "--contrast-model PROVIDER:NAME" in result.stderr
