"""`fixloop runs list`, `fixloop runs show` and `fixloop export`, driven through typer's runner."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.core.trajectory import Trajectory
from fixloop.store import Store
from tests.store.sample import make_trajectory

runner = CliRunner()


@pytest.fixture
def db(tmp_path) -> str:
    """A store holding a real run with two episodes and a simulated run with none."""
    url = f"sqlite:///{tmp_path / 'fixloop.db'}"
    with Store.open(url) as store:
        store.create_run(
            "baseline",
            agent="llm",
            model="openai:gpt-4o-mini",
            config={"temperature": 0.0, "api_key": "sk-abcdefghijklmnopqrst"},
            planned=[("calc-add", 0), ("calc-div", 0), ("calc-sub", 0)],
        )
        store.add_episode("baseline", "calc-add", 0, make_trajectory("calc-add", "resolved"))
        store.add_episode("baseline", "calc-div", 0, make_trajectory("calc-div", "infra_error"))
        store.create_run(
            "demo", agent="llm", model="simulated:demo", config={}, planned=[("x", 0)], simulated=True
        )
    return url


def test_runs_list_json_gives_each_run_with_its_counts(db):
    result = runner.invoke(app, ["runs", "list", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    baseline = rows["baseline"]
    assert (baseline["planned"], baseline["finished"], baseline["resolved"], baseline["infra_errors"]) == (
        3,
        2,
        1,
        1,
    )
    assert rows["demo"]["simulated"] is True


def test_runs_list_labels_simulated_runs_in_the_table(db):
    result = runner.invoke(app, ["runs", "list", "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "baseline" in result.stdout
    assert "demo (simulated)" in result.stdout


def test_runs_show_json_gives_the_config_and_one_row_per_episode(db):
    result = runner.invoke(app, ["runs", "show", "baseline", "--db", db, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["run"]["config"] == {"temperature": 0.0, "api_key": "[redacted]"}
    assert [(e["task_id"], e["outcome"]) for e in shown["episodes"]] == [
        ("calc-add", "resolved"),
        ("calc-div", "infra_error"),
    ]


def test_runs_show_prints_the_episodes_table(db):
    result = runner.invoke(app, ["runs", "show", "baseline", "--db", db], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "2/3 episodes recorded, 1 resolved, 1 infra errors" in result.stdout
    assert "calc-div" in result.stdout


def test_an_unknown_run_is_an_error_naming_the_known_runs(db):
    result = runner.invoke(app, ["runs", "show", "nope", "--db", db])
    assert result.exit_code == 2
    assert "no run 'nope'" in result.stderr
    assert "baseline" in result.stderr


def test_export_writes_one_trajectory_per_line(db, tmp_path):
    target = tmp_path / "out" / "baseline.jsonl"
    result = runner.invoke(app, ["export", "baseline", "--format", "jsonl", "-o", str(target), "--db", db])
    assert result.exit_code == 0, result.output
    lines = target.read_text().splitlines()
    assert [Trajectory.model_validate_json(line) for line in lines] == [
        make_trajectory("calc-add", "resolved"),
        make_trajectory("calc-div", "infra_error"),
    ]


def test_export_without_a_file_writes_to_standard_output(db):
    result = runner.invoke(app, ["export", "baseline", "--db", db])
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == 2


def test_export_refuses_an_unknown_format(db):
    result = runner.invoke(app, ["export", "baseline", "--format", "csv", "--db", db])
    assert result.exit_code == 2
    assert "choose jsonl" in result.stderr


def test_export_help_documents_every_trajectory_field():
    result = runner.invoke(app, ["export", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    help_text = " ".join(result.stdout.split())
    for field in Trajectory.model_fields:
        assert field in help_text, field
