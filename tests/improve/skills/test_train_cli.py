"""`fixloop train` from the command line: output, option errors, and resuming a killed training."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.store import Store
from tests.improve.skills.training_fixtures import FAST_TASKS

runner = CliRunner()

TASKS = [option for task in FAST_TASKS[:10] for option in ("--task", task)]
SMALL_TRAINING = [
    "train", "--model", "sim:careless", *TASKS, "--split-fractions", "0.4,0.3,0.3", "--epochs", "1",
    "--batch-size", "2", "--no-slow-update", "--test-repeats", "1", "--seed", "2",
]  # fmt: skip


def test_train_prints_its_result_as_json_labelled_simulated(private_store):
    result = runner.invoke(app, [*SMALL_TRAINING, "--name", "cli", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["training"] == "cli" and data["simulated"] is True
    assert data["status"] == "finished" and data["test"]["pairs"] > 0
    assert [step["seq"] for step in data["steps"]] == [0, 1]
    ledger = runner.invoke(app, ["skills", "ledger", "cli", "--json"])
    assert [entry["simulated"] for entry in json.loads(ledger.stdout)] == [True, True]


def test_train_shows_a_summary_table_and_the_held_out_result(private_store):
    result = runner.invoke(app, [*SMALL_TRAINING, "--name", "table"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "training table (simulated: not a model's performance)" in result.stdout
    assert "held-out test" in result.stdout and "McNemar p" in result.stdout


def test_train_without_a_model_says_what_to_give():
    result = runner.invoke(app, ["train"])
    assert result.exit_code == 2
    assert "--model" in result.stderr and "sim:careless" in result.stderr


def test_train_refuses_an_unknown_gate_policy_schedule_or_reflector():
    for option, value, named in (
        ("--gate", "majority", "paired"),
        ("--schedule", "step", "cosine"),
        ("--reflector", "oracle", "template"),
        ("--slow-update-gate", "maybe", "on or off"),
    ):
        result = runner.invoke(app, ["train", "--model", "sim:careless", option, value])
        assert result.exit_code == 2, option
        assert named in result.stderr


def test_the_llm_reflector_needs_a_real_model():
    result = runner.invoke(app, [*SMALL_TRAINING, "--reflector", "llm"])
    assert result.exit_code == 2
    assert "--reflector-model" in result.stderr


def test_resuming_an_unknown_training_fails_clearly(private_store):
    result = runner.invoke(app, ["train", "--resume", "nothing"])
    assert result.exit_code == 2
    assert "no training named 'nothing'" in result.stderr


def test_a_killed_training_resumes_to_the_ledger_of_an_uninterrupted_one(tmp_path, private_store):
    whole_db = f"sqlite:///{tmp_path / 'whole.db'}"
    # One episode at a time, so the kill lands inside the second step's batch, not after it.
    one_at_a_time = [*SMALL_TRAINING, "--concurrency", "1", "--name", "t"]
    result = runner.invoke(app, [*one_at_a_time, "--db", whole_db, "--json"])
    assert result.exit_code == 0, result.output
    with Store.open(whole_db) as store:
        expected = store.ledger("t")
    process = subprocess.Popen(
        [sys.executable, "-m", "fixloop", *one_at_a_time, "--json"],
        env={**os.environ, "FIXLOOP_DB": private_store}, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        with Store.open(private_store) as store:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not _playing_the_second_batch(store):
                time.sleep(0.05)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    with Store.open(private_store) as store:
        assert store.get_training("t").status == "running", "killed mid-training"
        assert len(store.ledger("t")) < len(expected)
    resumed = runner.invoke(app, ["train", "--resume", "t", "--json"])
    assert resumed.exit_code == 0, resumed.output
    with Store.open(private_store) as store:
        assert store.ledger("t") == expected
        for run in store.list_runs():
            assert len(store.finished_keys(run)) == run.planned == len(store.episodes(run))


def _playing_the_second_batch(store: Store) -> bool:
    """Whether the training has stored an episode of its second step's batch (of two)."""
    try:
        return bool(store.finished_keys("t:s1-batch"))
    except Exception:  # not created yet
        return False
