"""Every `--json` output that carries a simulated model's results says so in the data, and
`run --json` rows name their run, model, context version, tokens and cost."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from tests.calc_task import write_task_dir

runner = CliRunner()


def invoke(*args: str) -> dict | list:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> str:
    """A store with a simulated llm run ("sim") and an oracle run ("real") of the same task."""
    root: Path = tmp_path_factory.mktemp("labels")
    write_task_dir(root / "tasks")
    url = f"sqlite:///{root / 'fixloop.db'}"
    common = ["--path", str(root / "tasks"), "--sandbox", "process", "--db", url]
    for name, agent in (
        ("sim", ["--agent", "llm", "--model", "sim:careless"]),
        ("real", ["--agent", "oracle"]),
    ):
        result = runner.invoke(app, ["run", *agent, "--run-name", name, *common])
        assert result.exit_code == 0, result.output
    return url


def test_run_json_rows_carry_the_run_model_simulated_context_tokens_and_cost(tmp_path, db):
    write_task_dir(tmp_path)
    args = [
        "run",
        "--path",
        str(tmp_path),
        "--agent",
        "llm",
        "--model",
        "sim:strong",
        "--run-name",
        "labelled",
    ]
    [row] = invoke(*args, "--sandbox", "process", "--json")
    assert (row["run"], row["model"], row["simulated"]) == ("labelled", "sim:strong", True)
    assert isinstance(row["context_version"], str) and len(row["context_version"]) == 12
    assert row["tokens"] > 0 and row["cost"] == 0.0


def test_run_json_rows_of_an_agent_without_a_model_are_not_simulated(tmp_path):
    write_task_dir(tmp_path)
    [row] = invoke("run", "--path", str(tmp_path), "--run-name", "oracle", "--sandbox", "process", "--json")
    assert (row["run"], row["agent"], row["model"], row["simulated"]) == ("oracle", "oracle", None, False)
    assert (row["context_version"], row["tokens"], row["cost"]) == (None, 0, 0.0)


def test_runs_list_json_labels_each_run(db):
    rows = {row["name"]: row["simulated"] for row in invoke("runs", "list", "--db", db, "--json")}
    assert rows == {"sim": True, "real": False}


def test_runs_show_json_labels_the_run_and_each_episode(db):
    data = invoke("runs", "show", "sim", "--db", db, "--json")
    assert data["run"]["simulated"] is True
    assert [e["simulated"] for e in data["episodes"]] == [True]


def test_diagnose_json_labels_the_diagnosis_and_each_episode(db):
    data = invoke("diagnose", "sim", "--db", db, "--json")
    assert data["simulated"] is True
    assert [e["simulated"] for e in data["episodes"]] == [True]


def test_compare_json_labels_each_run(db):
    data = invoke("compare", "sim", "real", "--db", db, "--json")
    assert {row["name"]: row["simulated"] for row in data["runs"]} == {"sim": True, "real": False}


def test_export_labels_each_trajectory(db):
    result = runner.invoke(app, ["export", "sim", "--db", db])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(t["simulated"], t["model"]) for t in lines] == [(True, "sim:careless")]


def test_retry_json_labels_the_report(db):
    data = invoke("retry", "sim", "--max-retries", "1", "--db", db, "--json")
    assert data["simulated"] is True
