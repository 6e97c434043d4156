"""`fixloop run --agent llm` end to end: the real openai client, a real HTTP server on
127.0.0.1, the real sandbox, and the store."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.store import Store
from tests.calc_task import write_task_dir
from tests.fake_openai_server import ChatRequest, FakeOpenAIServer, Reply

runner = CliRunner()

READ = {"action_type": "read_file", "path": "calc.py"}
FIX = {
    "action_type": "replace_lines",
    "path": "calc.py",
    "start_line": 3,
    "end_line": 3,
    "new_code": "return a + b",
}
RUN = {"action_type": "run_tests"}
SUBMIT = {"action_type": "submit"}


def debugger(request: ChatRequest) -> Reply:
    """A competent model: read, fix, test, submit, by how far the conversation has got."""
    turn = sum(message["role"] == "user" for message in request.messages)
    return Reply.json([READ, FIX, RUN, SUBMIT][min(turn, 4) - 1])


def llm_run(tmp_path, server, *args):
    tasks = tmp_path / "tasks"
    if not tasks.exists():
        write_task_dir(tasks)
    return runner.invoke(
        app,
        ["run", "--agent", "llm", "--model", "openai:fake-model", "--base-url", server.base_url,
         "--path", str(tasks), "--json", *args],
    )  # fmt: skip


def test_an_llm_run_resolves_through_a_real_http_server_and_is_stored(tmp_path, private_store):
    with FakeOpenAIServer(debugger) as server:
        result = llm_run(tmp_path, server, "--run-name", "first")
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.stdout)
    assert (row["outcome"], row["steps"]) == ("resolved", 4)
    with Store.open(private_store) as store:
        [trajectory] = store.trajectories("first")
        calls = store.model_calls("first")
    assert trajectory.tokens > 0
    assert (trajectory.model, len(trajectory.context_version)) == ("openai:fake-model", 12)
    assert len(server.requests) == 4
    assert [(c.model, c.cached, c.error) for c in calls] == [("openai:fake-model", False, None)] * 4


def test_a_rerun_is_served_from_the_cache_and_costs_zero_tokens(tmp_path, private_store):
    with FakeOpenAIServer(debugger) as server:
        llm_run(tmp_path, server, "--run-name", "first")
        calls = len(server.requests)
        result = llm_run(tmp_path, server, "--run-name", "again")
    assert result.exit_code == 0, result.output
    assert len(server.requests) == calls
    with Store.open(private_store) as store:
        [trajectory] = store.trajectories("again")
        calls = store.model_calls("again")
    assert trajectory.outcome == "resolved"
    assert trajectory.tokens == 0
    assert [c.cached for c in calls] == [True] * 4


def test_garbage_from_the_model_becomes_format_errors_not_a_crash(tmp_path):
    with FakeOpenAIServer(Reply.garbage()) as server:
        result = llm_run(tmp_path, server)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "format_errors"


def test_a_dead_endpoint_is_an_infra_error_excluded_from_the_score(tmp_path, private_store):
    with FakeOpenAIServer(Reply.server_error(503)) as server:
        result = llm_run(tmp_path, server, "--run-name", "down")
        table = runner.invoke(app, ["run", "--resume", "down"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "infra_error"
    assert "infra errors excluded" in table.stdout
    with Store.open(private_store) as store:
        [call] = store.model_calls("down")
    assert call.error.startswith("ModelUnavailableError")


def test_the_run_budget_is_never_exceeded(tmp_path, private_store):
    with FakeOpenAIServer(Reply.json(READ)) as server:
        result = llm_run(tmp_path, server, "--max-calls", "2", "--episodes-per-task", "2", "--run-name", "b")
    assert result.exit_code == 0, result.output
    assert len(server.requests) == 2
    assert {row["outcome"] for row in json.loads(result.stdout)} == {"budget_exhausted"}


def test_the_llm_agent_without_a_model_says_what_to_configure():
    result = runner.invoke(app, ["run", "--agent", "llm"])
    assert result.exit_code == 2
    assert "--model openai:NAME" in result.stderr
    assert "--agent oracle" in result.stderr


def test_a_killed_run_resumes_without_repeating_or_duplicating_episodes(tmp_path, private_store):
    tasks = tmp_path / "tasks"
    write_task_dir(tasks)
    with FakeOpenAIServer(Reply(text=json.dumps(SUBMIT), latency_s=0.3)) as server:
        command = [
            sys.executable, "-m", "fixloop", "run", "--agent", "llm", "--model", "openai:fake-model",
            "--base-url", server.base_url, "--path", str(tasks), "--episodes-per-task", "8",
            "--concurrency", "1", "--no-cache", "--run-name", "killed", "--json",
        ]  # fmt: skip
        process = subprocess.Popen(
            command, env={**os.environ, "FIXLOOP_DB": private_store}, start_new_session=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            with Store.open(private_store) as store:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    try:
                        if len(store.finished_keys("killed")) >= 2:
                            break
                    except Exception:  # the run is not recorded yet
                        pass
                    time.sleep(0.1)
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
        with Store.open(private_store) as store:
            finished_before = store.finished_keys("killed")
        assert 2 <= len(finished_before) < 8
        result = runner.invoke(app, ["run", "--resume", "killed", "--json"])
    assert result.exit_code == 0, result.output
    with Store.open(private_store) as store:
        trajectories = store.trajectories("killed")
        keys = store.finished_keys("killed")
        info = store.get_run("killed")
    assert len(trajectories) == 8
    assert keys == {("calc-add", index) for index in range(8)}
    assert info.finished == info.planned == 8


@pytest.mark.parametrize("reply", [Reply.fenced_json(SUBMIT), Reply(text="Sure! " + json.dumps(SUBMIT))])
def test_repairable_replies_still_act(tmp_path, reply):
    with FakeOpenAIServer(reply) as server:
        result = llm_run(tmp_path, server)
    assert json.loads(result.stdout)[0]["outcome"] == "unresolved"
    assert json.loads(result.stdout)[0]["steps"] == 1


def test_a_config_file_supplies_the_endpoint_and_the_price(tmp_path, private_store):
    with FakeOpenAIServer(debugger) as server:
        config = tmp_path / "fixloop.toml"
        config.write_text(
            f'[model]\nbase_url = "{server.base_url}"\n\n'
            '[prices."fake-model"]\ninput_per_mtok = 1000\noutput_per_mtok = 1000\n'
        )
        write_task_dir(tmp_path / "tasks")
        result = runner.invoke(
            app,
            ["run", "--agent", "llm", "--model", "openai:fake-model", "--config", str(config),
             "--path", str(tmp_path / "tasks"), "--run-name", "configured", "--json"],
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["outcome"] == "resolved"
    with Store.open(private_store) as store:
        [trajectory] = store.trajectories("configured")
    assert trajectory.cost == pytest.approx(trajectory.tokens * 1000 / 1_000_000)
