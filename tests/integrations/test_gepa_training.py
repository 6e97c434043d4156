"""`fixloop train --optimizer gepa`: a short gepa.optimize run through the adapter, offline with
sim:careless — stopped, resumed from GEPA's run_dir with `--resume`, and every proposal in
the ledger with GEPA's verdict, never presented as fixloop's gate."""

from __future__ import annotations

import json
import threading

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.improve.ledger import Ledger
from fixloop.improve.skills.trainer import training_splits
from fixloop.integrations.gepa_training import GEPATraining
from fixloop.rollout.run_session import select_tasks
from fixloop.store import Store
from tests.improve.skills.training_fixtures import FAST_TASKS, settings

runner = CliRunner()

BUDGET = 36
"""Rollouts of the whole training: GEPA gets what the final test and one iteration leave."""


@pytest.fixture(scope="session")
def resumed(tmp_path_factory):
    """A GEPA training stopped after 10 episodes (as Ctrl-C does), then resumed by the CLI."""
    tmp = tmp_path_factory.mktemp("gepa-training")
    db = f"sqlite:///{tmp}/fixloop.db"
    store = Store.open(db)
    training = settings(
        FAST_TASKS[:10], optimizer="gepa", max_rollouts=BUDGET, gepa_run_dir=str(tmp / "gepa"), seed=1
    )
    store.create_training("g", config=training.model_dump(mode="json"), simulated=True)
    stop, seen = threading.Event(), []

    def on_episode(label, progress):
        seen.append(label)
        if len(seen) >= 10:
            stop.set()

    splits = training_splits(training, select_tasks(training.rollout))
    first = GEPATraining(store, "g", training, splits, stop=stop, on_episode=on_episode).run()
    runs_before = {run.name: len(store.episodes(run)) for run in store.list_runs()}
    result = runner.invoke(app, ["train", "--resume", "g", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    return store, first, json.loads(result.stdout), runs_before


def test_a_stopped_gepa_training_says_so_and_is_not_tested(resumed):
    _, first, _, _ = resumed
    assert first.status == "stopped" and first.test is None and first.optimizer == "gepa"
    assert "interrupted" in (first.stop_reason or "")


def test_resuming_finishes_within_the_budget_with_the_held_out_test(resumed):
    _, _, data, _ = resumed
    assert data["status"] == "finished" and data["optimizer"] == "gepa" and data["simulated"] is True
    assert data["test"]["pairs"] > 0
    assert data["rollouts"] <= BUDGET


def test_resuming_reads_back_the_episodes_already_stored(resumed):
    store, _, _, runs_before = resumed
    for name, episodes in runs_before.items():
        assert len(store.episodes(store.get_run(name))) >= episodes
    seed_on_valset = next(iter(runs_before))
    assert seed_on_valset.endswith("-0")
    names = {run.name for run in store.list_runs()}
    assert seed_on_valset[:-1] + "1" not in names, "GEPA's re-evaluation of the seed on resume was run again"


def test_every_gepa_proposal_is_in_the_ledger_with_gepas_verdict_not_the_gate(resumed):
    store, _, data, _ = resumed
    entries = Ledger(store, "g").entries()
    assert entries, "GEPA made no proposal"
    assert [e.seq for e in entries] == sorted({e.seq for e in entries})
    for entry in entries:
        assert entry.simulated and not entry.gated and entry.verdict is None
        assert entry.reason.startswith("GEPA's minibatch rule, not fixloop's gate")
        assert entry.candidate and entry.edits
    assert [row["seq"] for row in data["steps"]] == [e.seq for e in entries]


def test_the_gepa_optimizer_needs_a_rollout_budget(private_store):
    result = runner.invoke(app, ["train", "--model", "sim:careless", "--optimizer", "gepa"])
    assert result.exit_code == 2
    assert "--max-rollouts" in result.stderr


def test_an_unknown_optimizer_is_refused():
    result = runner.invoke(app, ["train", "--model", "sim:careless", "--optimizer", "dspy"])
    assert result.exit_code == 2
    assert "native or gepa" in result.stderr
