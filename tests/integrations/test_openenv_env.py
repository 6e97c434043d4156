"""FixloopEnvironment on the reference OpenEnv package: in-process and behind its server."""

from __future__ import annotations

import importlib
import json
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import uvicorn
import websockets.sync.client
from openenv.core.env_server.http_server import create_app
from openenv.core.generic_client import GenericEnvClient
from pydantic import ValidationError

from fixloop.agents.oracle import plan_fix
from fixloop.env.actions import ActionParseError, ReplaceLines, parse_action
from fixloop.integrations.openenv_env import (
    ENV_NAME,
    FixloopAction,
    FixloopEnvironment,
    FixloopObservation,
    FixloopState,
    TaskLookupError,
)
from fixloop.serve.catalog import TaskCatalog, TaskSelectionError
from fixloop.tasks import writer
from fixloop.tasks.loader import load_suite
from fixloop.tasks.task import Task
from tests.calc_task import make_calc_task

FAST_TASK = "fahrenheit-to-celsius"
OTHER_FAST_TASK = "leap-year-centuries"


@pytest.fixture(scope="module")
def suite() -> list[Task]:
    return load_suite("builtin")


@pytest.fixture
def env(suite) -> Iterator[FixloopEnvironment]:
    environment = FixloopEnvironment(tasks=suite, sandbox="process")
    yield environment
    environment.close()


def task_by_id(suite: list[Task], task_id: str) -> Task:
    return next(task for task in suite if task.id == task_id)


def oracle_dicts(task: Task) -> list[dict[str, Any]]:
    """The oracle's episode as the dicts a remote client sends."""
    return [action.model_dump() for action in plan_fix(task)]


def parse_error(raw: dict[str, Any]) -> str:
    """fixloop's own message for a malformed action."""
    with pytest.raises(ActionParseError) as caught:
        parse_action(raw)
    return str(caught.value)


# ---- in-process --------------------------------------------------------------------------------


def test_the_oracle_resolves_a_task_in_process(env, suite):
    observation = env.reset(task_id=FAST_TASK)
    assert isinstance(observation, FixloopObservation)
    assert (observation.task_id, observation.done, observation.step_count) == (FAST_TASK, False, 0)

    for action in oracle_dicts(task_by_id(suite, FAST_TASK)):
        observation = env.step(FixloopAction.model_validate(action))
        assert observation.last_action_error is None

    assert observation.done
    assert observation.metadata["grade"]["outcome"] == "resolved"
    state = env.state
    assert isinstance(state, FixloopState)
    assert state.task_id == FAST_TASK and state.done and state.grade.outcome == "resolved"
    assert state.episode_id


def test_reset_keeps_the_callers_episode_id(env):
    env.reset(task_id=FAST_TASK, episode_id="run-7/episode-3")
    assert env.state.episode_id == "run-7/episode-3"


def test_an_action_takes_the_dict_fixloops_server_accepts(env):
    raw = {
        "action_type": "Replace_Lines",
        "path": "a.py",
        "start_line": 2,
        "end_line": 3,
        "new_code_block": "x\n",
    }
    action = FixloopAction.model_validate(raw)
    expected = ReplaceLines(path="a.py", start_line=2, end_line=3, new_code="x\n")
    assert action.fixloop_action() == expected
    assert FixloopAction.model_validate(action.model_dump()).fixloop_action() == expected


def test_a_malformed_action_is_refused_with_fixloops_message():
    raw = {"action_type": "read_file", "start_line": 0}
    with pytest.raises(ValidationError) as caught:
        FixloopAction.model_validate(raw)
    assert caught.value.errors()[0]["msg"] == parse_error(raw)


def test_a_malformed_action_costs_no_step_and_the_episode_goes_on(env):
    env.reset(task_id=FAST_TASK)
    with pytest.raises(ValidationError, match="unknown action_type 'fly'"):
        env.step({"action_type": "fly"})
    assert env.state.step_count == 0
    observation = env.step({"action_type": "view_code"})
    assert observation.step_count == 1 and observation.last_action_error is None


def test_a_failing_action_is_a_penalized_step(env):
    env.reset(task_id=FAST_TASK)
    observation = env.step({"action_type": "read_file", "path": "no/such/file.py"})
    assert observation.step_count == 1
    assert "does not exist" in observation.last_action_error
    assert observation.reward < 0


def test_step_before_reset_says_to_reset(env):
    with pytest.raises(RuntimeError, match=r"call reset\(\) first"):
        env.step({"action_type": "submit"})


def test_an_unknown_task_id_says_what_to_do_and_keeps_the_episode(env):
    env.reset(task_id=FAST_TASK)
    env.step({"action_type": "view_code"})
    with pytest.raises(TaskSelectionError, match="no task 'no-such-task' is offered"):
        env.reset(task_id="no-such-task")
    assert (env.state.task_id, env.state.step_count) == (FAST_TASK, 1)


def test_reset_picks_by_split_and_index_or_by_seed(env, suite):
    catalog = TaskCatalog(suite)
    assert env.reset(split="test", index=2).task_id == catalog.task("test", 2).id
    assert env.reset(seed=11).task_id == env.reset(seed=11).task_id


def test_the_task_api_shows_public_facts_only(env, suite):
    assert env.list_splits() == ["train", "selection", "test", "all"]
    assert env.num_tasks("all") == len(suite)
    listed = env.list_tasks("test")
    assert [entry["task_id"] for entry in listed] == [task.id for task in TaskCatalog(suite).tasks("test")]
    assert all(
        set(entry) == {"task_id", "title", "description", "difficulty", "tags", "max_steps"}
        for entry in listed
    )
    assert env.get_task("test", 1) == listed[1]
    assert env.get_task_range("test", 1, 3) == listed[1:3]


def test_a_task_api_lookup_of_nothing_is_an_index_error(env):
    with pytest.raises(TaskLookupError, match="out of range") as caught:
        env.get_task("test", 10_000)
    assert isinstance(caught.value, IndexError)
    with pytest.raises(IndexError, match="unknown split 'dev'"):
        env.num_tasks("dev")


def test_environment_variables_configure_the_no_argument_constructor(monkeypatch, tmp_path):
    path = writer.write_jsonl([make_calc_task()], tmp_path / "tasks.jsonl")
    monkeypatch.setenv("FIXLOOP_TASKS_PATH", str(path))
    monkeypatch.setenv("FIXLOOP_SPLIT", "all")
    monkeypatch.setenv("FIXLOOP_SANDBOX", "process")
    monkeypatch.setenv("FIXLOOP_REWARD", "tracefix")
    environment = FixloopEnvironment()
    try:
        assert environment.list_splits() == ["all"]
        assert environment.reset().task_id == "calc-add"
    finally:
        environment.close()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("FIXLOOP_REWARD", "shaped", "reward"),
        ("FIXLOOP_SANDBOX", "docker", "sandbox\\n  Input should be 'auto', 'bwrap' or 'process'"),
        ("FIXLOOP_SPLIT", "dev", "unknown split 'dev'"),
        ("FIXLOOP_TASKS_PATH", "/no/such/tasks", "not both"),
    ],
)
def test_an_invalid_setting_fails_at_construction(monkeypatch, variable, value, message):
    monkeypatch.setenv("FIXLOOP_SUITE", "builtin")
    monkeypatch.setenv("FIXLOOP_SANDBOX", "process")
    monkeypatch.setenv(variable, value)
    with pytest.raises(ValueError, match=message):
        FixloopEnvironment()


def test_the_factory_checks_its_settings_at_once(suite):
    with pytest.raises(TaskSelectionError, match="unknown split 'dev'"):
        FixloopEnvironment.factory(tasks=suite, split="dev", sandbox="process")


def test_importing_without_openenv_says_how_to_install_it(monkeypatch):
    for name in [name for name in sys.modules if name == "openenv" or name.startswith("openenv.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.delitem(sys.modules, "fixloop.integrations.openenv_env")
    with pytest.raises(ImportError, match=r"pip install 'fixloop\[openenv\]'"):
        importlib.import_module("fixloop.integrations.openenv_env")


# ---- behind the reference server ------------------------------------------------------------


@pytest.fixture(scope="module")
def base_url(suite) -> Iterator[str]:
    """The reference OpenEnv server serving fixloop on 127.0.0.1, four sessions at most."""
    app = create_app(
        FixloopEnvironment.factory(tasks=suite, sandbox="process"),
        FixloopAction,
        FixloopObservation,
        env_name=ENV_NAME,
        max_concurrent_envs=4,
        state_cls=FixloopState,
    )
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        assert thread.is_alive(), "the server stopped"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)
    listener.close()


def run_oracle(base_url: str, task: Task) -> tuple[Any, dict[str, Any]]:
    """One served episode of the oracle on `task`: its last step's result and the final state."""
    client = GenericEnvClient(base_url=base_url).sync()
    try:
        first = client.reset(task_id=task.id)
        assert first.observation["task_id"] == task.id and not first.done
        for action in oracle_dicts(task):
            result = client.step(action)
            assert result.observation["last_action_error"] is None
        return result, client.state()
    finally:
        client.close()


def test_a_served_episode_runs_to_a_resolved_grade(base_url, suite):
    result, state = run_oracle(base_url, task_by_id(suite, FAST_TASK))
    assert result.done
    assert result.metadata["grade"]["outcome"] == "resolved"
    assert isinstance(result.reward, float)
    assert state["task_id"] == FAST_TASK and state["done"] and state["episode_id"]
    assert state["grade"]["outcome"] == "resolved"


def test_a_served_malformed_action_is_a_validation_error_and_the_session_goes_on(base_url):
    client = GenericEnvClient(base_url=base_url).sync()
    try:
        client.reset(task_id=FAST_TASK)
        with pytest.raises(RuntimeError, match="VALIDATION_ERROR"):
            client.step({"action_type": "read_file"})
        assert client.state()["step_count"] == 0
        result = client.step({"action_type": "view_code"})
        assert result.observation["step_count"] == 1 and result.observation["last_action_error"] is None
    finally:
        client.close()


def test_a_served_validation_error_carries_fixloops_message(base_url):
    raw = {"action_type": "search_code", "query": ""}
    with websockets.sync.client.connect(base_url.replace("http", "ws", 1) + "/ws") as socket_:
        socket_.send(json.dumps({"type": "reset", "data": {"task_id": FAST_TASK}}))
        assert json.loads(socket_.recv())["type"] == "observation"
        socket_.send(json.dumps({"type": "step", "data": raw}))
        frame = json.loads(socket_.recv())
    assert frame["type"] == "error" and frame["data"]["code"] == "VALIDATION_ERROR"
    assert frame["data"]["errors"][0]["msg"] == parse_error(raw)


def test_a_served_unknown_task_id_is_an_error_naming_it(base_url):
    client = GenericEnvClient(base_url=base_url).sync()
    try:
        with pytest.raises(RuntimeError, match="no task 'no-such-task' is offered"):
            client.reset(task_id="no-such-task")
        assert client.reset(task_id=FAST_TASK).observation["task_id"] == FAST_TASK
    finally:
        client.close()


def test_two_clients_run_their_own_episodes_at_once(base_url, suite):
    tasks = [task_by_id(suite, FAST_TASK), task_by_id(suite, OTHER_FAST_TASK)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        outcomes = list(pool.map(lambda task: run_oracle(base_url, task), tasks))
    for task, (result, state) in zip(tasks, outcomes, strict=True):
        assert result.metadata["grade"]["outcome"] == "resolved"
        assert state["task_id"] == task.id
    assert outcomes[0][1]["episode_id"] != outcomes[1][1]["episode_id"]


def test_the_served_task_api_lists_tasks_and_refuses_a_bad_index(base_url, suite):
    with urllib.request.urlopen(f"{base_url}/{ENV_NAME}/splits") as response:
        assert [split["name"] for split in json.load(response)] == ["train", "selection", "test", "all"]
    request = urllib.request.Request(
        f"{base_url}/{ENV_NAME}/task",
        data=json.dumps({"split": "test", "index": 10_000}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    assert caught.value.code == 400
