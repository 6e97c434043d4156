"""`fixloop serve` as a real process: SIGTERM, the store, the manifest, and the reference
OpenEnv client and validator talking to it."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner
from websockets.exceptions import ConnectionClosed

from fixloop.agents.oracle import plan_fix
from fixloop.cli import app
from fixloop.store import Store
from fixloop.tasks.loader import load_suite
from tests.served import FAST_TASK, OTHER_TASK, Running, ask, descendants, serve_process, wait_for


def require_openenv() -> None:
    try:
        import openenv  # noqa: F401
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("openenv is missing on CI; `make test` installs the `openenv` extra")
        pytest.skip("the openenv extra is not installed (pip install 'fixloop[openenv]')")


def _oracle_actions(task_id: str) -> list[dict]:
    task = next(t for t in load_suite("builtin") if t.id == task_id)
    return [action.model_dump(mode="json", exclude_none=True) for action in plan_fix(task)]


@pytest.fixture(scope="module")
def sigtermed(tmp_path_factory) -> Iterator[dict]:
    """A served run: one resolved episode, then SIGTERM with a socket and an HTTP session
    mid-episode. Yields what was observed around the shutdown."""
    tmp_path = tmp_path_factory.mktemp("sigterm")
    with serve_process(tmp_path, "--run-name", "served") as (process, served):
        yield _sigterm_mid_episode(process, served, tmp_path)


def _sigterm_mid_episode(process, served, tmp_path) -> dict:
    with served.socket() as done_ws:
        ask(done_ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
        for action in _oracle_actions(FAST_TASK):
            ask(done_ws, {"type": "step", "data": action})
        done_ws.send(json.dumps({"type": "close"}))
    session_id = served.post("/reset", {"task_id": OTHER_TASK})[1]["metadata"]["session_id"]
    served.post("/step", {"action": {"action_type": "view_code"}, "session_id": session_id})
    with served.socket() as ws:
        ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
        ask(ws, {"type": "step", "data": {"action_type": "run_tests"}})
        workers = descendants(process.pid)
        process.send_signal(signal.SIGTERM)
        exit_code = process.wait(timeout=30)
        try:
            ws.recv(timeout=5)
            socket_closed = False
        except ConnectionClosed:
            socket_closed = True
    return {
        "exit_code": exit_code,
        "socket_closed": socket_closed,
        "workers": workers,
        "db_url": served.db_url,
        "tmp_path": tmp_path,
    }


def test_sigterm_exits_cleanly_closing_every_socket_and_worker(sigtermed):
    # After its graceful shutdown uvicorn re-raises the signal, so the status says SIGTERM.
    assert sigtermed["exit_code"] == -signal.SIGTERM
    assert sigtermed["socket_closed"]
    assert sigtermed["workers"], "the sessions had warm workers to stop"
    assert wait_for(lambda: not {pid for pid in sigtermed["workers"] if Path(f"/proc/{pid}").exists()})


def test_every_served_episode_is_in_the_store_after_sigterm(sigtermed):
    with Store.open(sigtermed["db_url"]) as store:
        run = store.get_run("served")
        trajectories = store.trajectories("served")
    assert run.status == "finished" and run.agent == "remote"
    outcomes = sorted((t.task_id, t.outcome) for t in trajectories)
    assert outcomes == sorted([(FAST_TASK, "resolved"), (FAST_TASK, "abandoned"), (OTHER_TASK, "abandoned")])
    assert all("shut down" in t.error for t in trajectories if t.outcome == "abandoned")


def test_diagnose_report_and_export_read_a_served_run(sigtermed):
    runner = CliRunner()
    db = ["--db", sigtermed["db_url"]]
    diagnosed = runner.invoke(app, ["diagnose", "served", *db], env={"COLUMNS": "200"})
    assert diagnosed.exit_code == 0, diagnosed.output
    exported = runner.invoke(app, ["export", "served", *db])
    assert exported.exit_code == 0 and len(exported.stdout.strip().splitlines()) == 3
    report = sigtermed["tmp_path"] / "served.html"
    reported = runner.invoke(app, ["report", "served", *db, "-o", str(report)])
    assert reported.exit_code == 0, reported.output
    assert "served" in report.read_text()


def test_a_restarted_server_with_the_same_run_name_goes_on_numbering(tmp_path):
    for _ in range(2):
        with serve_process(tmp_path, "--run-name", "again") as (process, served):
            with served.socket() as ws:
                ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
                ask(ws, {"type": "step", "data": {"action_type": "submit"}})
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == -signal.SIGTERM
    with Store.open(served.db_url) as store:
        assert sorted(store.finished_keys("again")) == [(FAST_TASK, 0), (FAST_TASK, 1)]


def test_write_manifest_writes_an_openenv_yaml_the_reference_parser_accepts(tmp_path):
    require_openenv()
    from openenv.validation.parsers.openenv_yaml import OpenEnvYamlParser

    result = CliRunner().invoke(
        app, ["serve", "--write-manifest", str(tmp_path), "--split", "test", "--port", "9001"]
    )
    assert result.exit_code == 0, result.output
    text = (tmp_path / "openenv.yaml").read_text()
    assert "spec_version: 1" in text and "runtime: fastapi" in text and "port: 9001" in text
    manifest = OpenEnvYamlParser().parse(tmp_path)
    assert manifest.name == "fixloop"
    assert manifest.capabilities.declared_task_count == {"test": 8}


@pytest.fixture(scope="module")
def reference_served(tmp_path_factory) -> Iterator[Running]:
    with serve_process(tmp_path_factory.mktemp("reference")) as (_, served):
        yield served


def test_the_reference_client_drives_an_oracle_episode(reference_served):
    require_openenv()
    from openenv.core.generic_client import GenericEnvClient

    with GenericEnvClient(base_url=reference_served.base_url).sync() as env:
        result = env.reset(task_id=FAST_TASK)
        assert result.observation["task_id"] == FAST_TASK and result.done is False
        for action in _oracle_actions(FAST_TASK):
            result = env.step(action)
        assert result.done is True and result.reward is not None
        state = env.state()
        assert state["grade"]["outcome"] == "resolved"
        with pytest.raises(RuntimeError, match="VALIDATION_ERROR"):
            env.step({"action_type": "teleport"})
        assert env.reset(task_id=OTHER_TASK).observation["task_id"] == OTHER_TASK


def test_the_reference_validator_passes_the_running_server(reference_served):
    require_openenv()
    from openenv.cli._validation import validate_running_environment

    report = validate_running_environment(reference_served.base_url)
    failed = [c for c in report["criteria"] if not c["passed"]]
    assert report["passed"], failed
    assert report["mode"] == "simulation"
