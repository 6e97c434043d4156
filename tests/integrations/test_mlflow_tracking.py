"""`--mlflow URI` on `fixloop run` and `fixloop train`, read back through MLflow's own client.

One local `file:` tracking store for the module holds a tracked sim:careless run and a
tracked one-step skill training, both given an API key and a base URL with a password that
must never reach MLflow.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixloop.cli.main import app
from fixloop.improve.ledger import Ledger
from fixloop.improve.skills.skill import Skill
from fixloop.integrations.mlflow_tracking import tracking_params
from fixloop.store import Store
from fixloop.store.redaction import REDACTED
from tests.improve.skills.training_fixtures import FAST_TASKS

runner = CliRunner()

API_KEY = "sk-mlflowsecret1234567890abcdef"
PASSWORD = "hunter2mlflowpw"
BASE_URL = f"http://user:{PASSWORD}@127.0.0.1:9/v1"
RUN_TASKS = ("fahrenheit-to-celsius", "hex-color-shorthand")
RUN_SKILL = Skill.parse("## Testing\n- [R1] Run the tests after every edit.\n")
TRAINING = [
    "train", "--model", "sim:careless", *(a for t in FAST_TASKS[:8] for a in ("--task", t)),
    "--split-fractions", "0.5,0.25,0.25", "--epochs", "1", "--batch-size", "4", "--no-slow-update",
    "--test-repeats", "1", "--repeats", "1", "--seed", "0", "--name", "tracked-training",
]  # fmt: skip


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A tracked run and a tracked training in one `file:` tracking store."""
    pytest.importorskip("mlflow")
    root = tmp_path_factory.mktemp("mlflow")
    db = f"sqlite:///{root}/fixloop.db"
    uri = (root / "mlruns").as_uri()
    skill = root / "skill.md"
    skill.write_text(RUN_SKILL.markdown(), encoding="utf-8")
    secrets = ["--api-key", API_KEY, "--base-url", BASE_URL, "--mlflow", uri, "--db", db, "--json"]
    tasks = [a for t in RUN_TASKS for a in ("--task", t)]
    run = ["run", "--agent", "llm", "--model", "sim:careless", "--run-name", "tracked-run", "--skill",
           str(skill), "--episodes-per-task", "2", *tasks]  # fmt: skip
    for args in (run, TRAINING):
        result = runner.invoke(app, [*args, *secrets])
        assert result.exit_code == 0, result.output
    return {"uri": uri, "db": db, "root": root / "mlruns"}


@pytest.fixture(scope="module")
def client(tracked):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=tracked["uri"])


def mlflow_run(client, name: str):
    [experiment] = [e for e in client.search_experiments() if e.name == "fixloop"]
    [found] = client.search_runs([experiment.experiment_id], filter_string=f"tags.`fixloop.name` = '{name}'")
    return found


def history(client, run, key: str) -> list[tuple[int, float]]:
    return [
        (m.step, m.value)
        for m in sorted(client.get_metric_history(run.info.run_id, key), key=lambda m: m.step)
    ]


def artifact_text(client, run, path: str, tmp_path: Path) -> str:
    local = client.download_artifacts(run.info.run_id, path, str(tmp_path))
    return Path(local).read_text(encoding="utf-8")


def test_a_tracked_run_logs_its_settings_as_parameters(client, tracked):
    run = mlflow_run(client, "tracked-run")
    with Store.open(tracked["db"]) as store:
        config = store.get_run("tracked-run").config
    assert run.data.params == tracking_params(config)
    assert (run.data.params["agent"], run.data.params["model"]) == ("llm", "sim:careless")
    assert run.data.params["agent_config.temperature"] == "0.0"


def test_a_tracked_run_logs_its_counts_after_every_episode(client, tracked):
    run = mlflow_run(client, "tracked-run")
    with Store.open(tracked["db"]) as store:
        trajectories = store.trajectories("tracked-run")
    episodes = len(trajectories)
    resolved = sum(t.outcome == "resolved" for t in trajectories)
    assert history(client, run, "episodes") == [(n, float(n)) for n in range(1, episodes + 1)]
    assert [step for step, _ in history(client, run, "resolve_rate")] == list(range(1, episodes + 1))
    assert history(client, run, "resolved")[-1] == (episodes, float(resolved))
    assert history(client, run, "resolve_rate")[-1] == (episodes, resolved / episodes)
    assert [step for step, _ in history(client, run, "cost_usd")] == list(range(1, episodes + 1))


def test_a_tracked_run_keeps_its_report_skill_and_settings_as_artifacts(client, tmp_path):
    run = mlflow_run(client, "tracked-run")
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {
        "report.html",
        "config.json",
        "skill.md",
    }
    assert "tracked-run" in artifact_text(client, run, "report.html", tmp_path)
    assert artifact_text(client, run, "skill.md", tmp_path) == RUN_SKILL.markdown()
    assert json.loads(artifact_text(client, run, "config.json", tmp_path))["model"] == "sim:careless"


def test_simulated_work_is_tagged_simulated(client):
    for name, kind in (("tracked-run", "run"), ("tracked-training", "train")):
        run = mlflow_run(client, name)
        assert run.data.tags["simulated"] == "true"
        assert run.data.tags["fixloop.kind"] == kind
        assert run.info.status == "FINISHED"


def test_a_tracked_training_logs_each_ledger_entry_as_a_step(client, tracked):
    run = mlflow_run(client, "tracked-training")
    with Store.open(tracked["db"]) as store:
        entries = Ledger(store, "tracked-training").entries()
    gated = [e for e in entries if e.verdict is not None]
    assert gated
    assert history(client, run, "adopted") == [(e.seq, float(e.adopted)) for e in entries]
    assert history(client, run, "selection_candidate_rate") == [
        (e.seq, e.verdict.candidate_rate) for e in gated
    ]
    assert history(client, run, "selection_incumbent_rate") == [
        (e.seq, e.verdict.incumbent_rate) for e in gated
    ]
    rejected = sum(not e.adopted for e in entries)
    assert history(client, run, "rejected_total")[-1] == (entries[-1].seq, float(rejected))
    assert run.data.params["epochs"] == "1"
    assert run.data.params["rollout.model"] == "sim:careless"


def test_a_tracked_training_logs_its_held_out_result_final_skill_ledger_and_report(client, tracked, tmp_path):
    run = mlflow_run(client, "tracked-training")
    with Store.open(tracked["db"]) as store:
        result = store.get_training("tracked-training").result
        ledger = Ledger(store, "tracked-training").to_jsonl()
        final = store.skill_version(result["final_skill"]).markdown
    assert run.data.metrics["test_final_rate"] == result["test"]["final_rate"]
    assert run.data.metrics["test_baseline_rate"] == result["test"]["baseline_rate"]
    assert {a.path for a in client.list_artifacts(run.info.run_id)} == {
        "config.json", "ledger.jsonl", "report.html", "skill.md",
    }  # fmt: skip
    assert artifact_text(client, run, "skill.md", tmp_path) == final
    assert artifact_text(client, run, "ledger.jsonl", tmp_path) == ledger
    assert "tracked-training" in artifact_text(client, run, "report.html", tmp_path)


def test_no_secret_reaches_mlflow(client, tracked):
    for path in tracked["root"].rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert API_KEY.encode() not in content, path
            assert PASSWORD.encode() not in content, path
    run = mlflow_run(client, "tracked-run")
    assert run.data.params["base_url"] == f"http://user:{REDACTED}@127.0.0.1:9/v1"


def test_parameters_redact_keys_and_authorization_headers():
    params = tracking_params(
        {"api_key": API_KEY, "headers": {"Authorization": f"Bearer {API_KEY}"}, "note": f"key {API_KEY}"}
    )
    assert params == {"api_key": REDACTED, "headers.Authorization": REDACTED, "note": f"key {REDACTED}"}


def test_mlflow_without_the_extra_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "mlflow", None)
    result = runner.invoke(app, ["run", "--task", RUN_TASKS[0], "--mlflow", (tmp_path / "mlruns").as_uri()])
    assert result.exit_code == 2
    assert "pip install 'fixloop[mlflow]'" in result.output
    with Store.open(None) as store:
        assert store.list_runs() == []
