"""`fixloop diagnose` and `fixloop compare` on runs in a real store."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fixloop.agents.llm_agent import LLMAgent
from fixloop.agents.oracle import OracleAgent
from fixloop.cli import app
from fixloop.env.debug_env import DebugEnv
from fixloop.models.scripted import ScriptedModel
from fixloop.rollout.episode import run_episode
from fixloop.store import Store
from tests.analysis.builders import edit, read, run, submit, trajectory

runner = CliRunner()

BLIND_WRONG_FIX = [
    json.dumps({"action_type": "replace_lines", "path": "calc.py", "start_line": 3, "end_line": 3,
                "new_code": "return a * b"}),
    json.dumps({"action_type": "submit"}),
]  # fmt: skip


def _record(store, name, trajectories, *, simulated=False):
    keys = [(t.task_id, 0) for t in trajectories]
    store.create_run(name, agent="llm", model="scripted", config={}, planned=keys, simulated=simulated)
    for t in trajectories:
        store.add_episode(name, t.task_id, 0, t)


@pytest.fixture
def real_runs(private_store, sandbox, calc_task):
    """An oracle run and a run whose agent writes a wrong fix blind and submits, on one real task."""
    good = run_episode(DebugEnv(sandbox), OracleAgent(calc_task), calc_task)
    bad = run_episode(DebugEnv(sandbox), LLMAgent(ScriptedModel(BLIND_WRONG_FIX)), calc_task)
    with Store.open(private_store) as store:
        _record(store, "oracle", [good])
        _record(store, "careless", [bad], simulated=True)


def _tasks(outcomes, name):
    """Hand-built trajectories of tasks t0, t1, ...: resolved or a blind unverified wrong fix."""
    made = []
    for i, resolved in enumerate(outcomes):
        if resolved:
            t = trajectory(run(2), read("calc.py"), edit(), run(4), submit())
        else:
            t = trajectory(edit(), submit(0.25), outcome="unresolved")
        made.append(t.model_copy(update={"task_id": f"t{i}", "agent": name}))
    return made


def test_diagnose_names_the_failure_with_its_evidence(real_runs):
    result = runner.invoke(app, ["diagnose", "careless"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "BLIND_WRITE" in result.stdout
    assert "replace_lines on calc.py before reading it" in result.stdout


def test_diagnose_labels_a_simulated_run(real_runs):
    result = runner.invoke(app, ["diagnose", "careless"], env={"COLUMNS": "200"})
    assert "(simulated)" in result.stdout
    assert "not a model's performance" in result.stdout
    assert "simulated" not in runner.invoke(app, ["diagnose", "oracle"], env={"COLUMNS": "200"}).stdout


def test_diagnose_json_has_distributions_and_each_episodes_labels(real_runs):
    result = runner.invoke(app, ["diagnose", "careless", "--json"])
    data = json.loads(result.stdout)
    assert data["primary_labels"] == {"BLIND_WRITE": 1}
    assert data["simulated"] is True
    (episode,) = data["episodes"]
    assert episode["diagnosis"]["primary"] == "BLIND_WRITE"
    assert episode["diagnosis"]["findings"][0]["evidence"][0]["step"] == 1
    assert episode["strategy"]["strategy"]
    assert data["metrics"]["resolve_rate"]["value"] == 0.0


def test_diagnose_of_an_unknown_run_is_a_clear_error(private_store):
    result = runner.invoke(app, ["diagnose", "nope"])
    assert result.exit_code == 2
    assert "nope" in result.output


def test_compare_prints_a_winner_only_when_the_data_supports_it(private_store):
    with Store.open(private_store) as store:
        _record(store, "strong", _tasks([True] * 8, "strong"))
        _record(store, "weak", _tasks([False] * 8, "weak"))
        _record(store, "mixed", _tasks([True, False] * 4, "mixed"))
    clear = runner.invoke(app, ["compare", "strong", "weak"], env={"COLUMNS": "200"})
    assert clear.exit_code == 0, clear.output
    assert "strong beats weak" in clear.stdout
    close = runner.invoke(app, ["compare", "strong", "mixed"], env={"COLUMNS": "200"})
    assert "no significant difference" in close.stdout


def test_compare_json_gives_each_pairs_test(private_store):
    with Store.open(private_store) as store:
        _record(store, "strong", _tasks([True] * 8, "strong"))
        _record(store, "weak", _tasks([False] * 8, "weak"))
    data = json.loads(runner.invoke(app, ["compare", "strong", "weak", "--json"]).stdout)
    (pair,) = data["pairs"]
    assert (pair["test"]["a_only"], pair["test"]["b_only"]) == (8, 0)
    assert pair["test"]["p_value"] == pytest.approx(2 * 0.5**8)
    assert [row["resolve_rate"]["value"] for row in data["runs"]] == [1.0, 0.0]


def test_compare_needs_two_runs(private_store):
    result = runner.invoke(app, ["compare", "strong"])
    assert result.exit_code == 2
    assert "at least two runs" in result.output


def test_compare_of_runs_without_shared_tasks_is_a_clear_error(private_store):
    with Store.open(private_store) as store:
        _record(store, "a", _tasks([True], "a"))
        _record(store, "b", [t.model_copy(update={"task_id": "other"}) for t in _tasks([True], "b")])
    result = runner.invoke(app, ["compare", "a", "b"])
    assert result.exit_code == 2
    assert "share no task" in result.output
