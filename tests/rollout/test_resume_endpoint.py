"""`fixloop run --resume` with endpoint options uses them, and says which endpoint it talks to."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.rollout.run_session import RunSettings, select_tasks, start_run
from fixloop.store import Store
from tests.calc_task import write_task_dir
from tests.fake_openai_server import FakeOpenAIServer, Reply

runner = CliRunner()
GONE = "http://127.0.0.1:9/v1"
"""Where the run was started: nothing listens there any more."""
API_KEY = "sk-resume-SECRET-8c41d2e07b"
SUBMIT = Reply.json({"action_type": "submit"})


def stopped_run(tmp_path, store_url: str, base_url: str) -> str:
    """An llm run started against `base_url`, with no episode executed yet."""
    tasks = write_task_dir(tmp_path / "tasks")
    settings = RunSettings(agent="llm", model="openai:fake-model", base_url=base_url, path=str(tasks))
    with Store.open(store_url) as store:
        start_run(store, "moved", settings, select_tasks(settings))
    return "moved"


@pytest.fixture
def stopped(tmp_path, private_store) -> str:
    """A run whose endpoint has gone away since it was started."""
    return stopped_run(tmp_path, private_store, GONE)


def test_a_resume_with_a_new_base_url_talks_to_it(stopped):
    with FakeOpenAIServer(SUBMIT) as server:
        result = runner.invoke(app, ["run", "--resume", stopped, "--base-url", server.base_url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "unresolved"
    assert len(server.requests) == 1


def test_a_resume_says_which_endpoint_model_and_timeout_it_uses(stopped):
    with FakeOpenAIServer(SUBMIT) as server:
        base_url = server.base_url
        result = runner.invoke(app, ["run", "--resume", stopped, "--base-url", base_url, "--timeout", "7.5"])
    assert result.exit_code == 0, result.output
    assert f"resuming {stopped}: openai:fake-model at {base_url} (timeout 7.5s per request)" in result.stderr


def test_a_resume_without_endpoint_options_keeps_the_runs_endpoint(tmp_path, private_store):
    with FakeOpenAIServer(SUBMIT) as server:
        run = stopped_run(tmp_path, private_store, server.base_url)
        result = runner.invoke(app, ["run", "--resume", run, "--json"])
        assert f"openai:fake-model at {server.base_url} (timeout 60s per request)" in result.stderr
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 1


def test_the_api_key_given_on_resume_is_neither_printed_nor_stored(stopped, private_store):
    with FakeOpenAIServer(SUBMIT) as server:
        result = runner.invoke(
            app, ["run", "--resume", stopped, "--base-url", server.base_url, "--api-key", API_KEY, "--json"]
        )
    assert result.exit_code == 0, result.output
    assert API_KEY not in result.output
    with Store.open(private_store) as store:
        stored = store.get_run(stopped).model_dump_json() + "".join(
            t.model_dump_json() for t in store.trajectories(stopped)
        )
    assert API_KEY not in stored
