"""FixloopToolEnv: TRL's environment_factory contract, in-process and against `fixloop serve`."""

from __future__ import annotations

import gc
import inspect
import os
import pickle
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError
from transformers.utils import get_json_schema

from fixloop.agents.oracle import plan_fix
from fixloop.env.actions import ACTION_TYPES, action_tools
from fixloop.integrations.trl import PROMPT_FOOTER, EnvServerError, FixloopToolEnv, socket_url
from fixloop.serve.catalog import TaskCatalog, TaskSelectionError
from fixloop.tasks.loader import load_suite
from fixloop.tasks.task import Task

FAST_TASK = "fahrenheit-to-celsius"
OTHER_FAST_TASK = "leap-year-centuries"
TOOL_OF_ACTION = {"reset": "reset_repository"}
ACTION_OF_TOOL = {"reset_repository": "reset"}
TOOLS = {TOOL_OF_ACTION.get(kind, kind) for kind in ACTION_TYPES}
SETTINGS = ("SERVER_URL", "SUITE", "TASKS_PATH", "SPLIT", "SANDBOX", "REWARD")


@pytest.fixture(scope="module")
def suite() -> list[Task]:
    return load_suite("builtin")


def task_by_id(suite: list[Task], task_id: str) -> Task:
    return next(task for task in suite if task.id == task_id)


@pytest.fixture(autouse=True)
def in_process(monkeypatch):
    """The builtin suite in this process, on the process sandbox; no setting leaks in."""
    for name in SETTINGS:
        monkeypatch.delenv(f"FIXLOOP_{name}", raising=False)
    monkeypatch.setenv("FIXLOOP_SANDBOX", "process")


@pytest.fixture
def env() -> Iterator[FixloopToolEnv]:
    environment = FixloopToolEnv()
    yield environment
    environment.close()


def trl_tools(environment: object) -> dict[str, object]:
    """The methods TRL's GRPOTrainer offers as tools (its own discovery rule)."""
    return {
        name: member
        for name, member in inspect.getmembers(environment, predicate=inspect.ismethod)
        if name not in ("reset", "get_reward") and not name.startswith("_")
    }


def play_oracle(environment: FixloopToolEnv, task: Task) -> list[str]:
    """The oracle's episode, each action as the tool call a model would make."""
    texts = []
    for action in plan_fix(task):
        arguments = action.model_dump(exclude={"action_type", "thought"}, exclude_none=True)
        tool = getattr(environment, TOOL_OF_ACTION.get(action.action_type, action.action_type))
        texts.append(tool(**arguments))
    return texts


# ---- the tools' contract ---------------------------------------------------------------------


def test_trl_offers_exactly_the_nine_actions_as_tools(env):
    assert set(trl_tools(env)) == TOOLS


def test_every_tool_has_a_valid_schema_from_its_signature_and_docstring(env):
    action_fields = {
        tool["function"]["name"]: set(tool["function"]["parameters"]["properties"]) - {"thought"}
        for tool in action_tools()
    }
    for name, method in trl_tools(env).items():
        schema = get_json_schema(method)
        function = schema["function"]
        assert function["name"] == name
        assert function["description"]
        parameters = inspect.signature(method).parameters
        properties = function["parameters"]["properties"]
        assert set(properties) == set(parameters)
        assert all(field["description"] for field in properties.values()), name
        required = {key for key, value in parameters.items() if value.default is inspect.Parameter.empty}
        assert set(function["parameters"].get("required", [])) == required
        assert set(properties) == action_fields[ACTION_OF_TOOL.get(name, name)]
        assert function["return"]["type"] == "string"


def test_an_environment_pickles_before_reset_and_the_copy_plays(suite):
    copy = pickle.loads(pickle.dumps(FixloopToolEnv()))
    try:
        assert copy.reset(task_id=FAST_TASK).startswith(f"# Task {FAST_TASK}")
    finally:
        copy.close()


def test_a_pickled_environment_carries_its_settings_but_not_its_episode(env, monkeypatch):
    env.reset(task_id=FAST_TASK)
    monkeypatch.setenv("FIXLOOP_SANDBOX", "no-such-sandbox")  # the copy must not read it
    copy = pickle.loads(pickle.dumps(env))
    try:
        assert copy.task_id is None
        assert copy.read_file(path="thermo/convert.py").startswith("There is no episode")
        assert copy.reset(task_id=FAST_TASK).startswith(f"# Task {FAST_TASK}")
    finally:
        copy.close()


def test_an_unknown_setting_value_fails_when_the_environment_is_built(monkeypatch):
    monkeypatch.setenv("FIXLOOP_REWARD", "no-such-scheme")
    with pytest.raises(ValidationError, match="reward"):
        FixloopToolEnv()


# ---- episodes in-process ---------------------------------------------------------------------


def test_reset_returns_the_first_observation_as_the_prompt_and_ignores_other_columns(env):
    prompt = env.reset(task_id=FAST_TASK, prompt=[{"role": "user", "content": "fix it"}], difficulty="easy")
    assert prompt.startswith(f"# Task {FAST_TASK}\nTemperatures from our US stations")
    assert "thermo/convert.py" in prompt
    assert "step 0, 20 steps left" in prompt
    assert prompt.endswith(PROMPT_FOOTER)
    assert env.task_id == FAST_TASK


def test_reset_picks_the_task_by_split_and_index_or_by_seed(env, suite):
    catalog = TaskCatalog(suite)
    env.reset(split="all", index=3)
    assert env.task_id == catalog.task("all", 3).id
    env.reset(seed=7)
    assert env.task_id == catalog.select(seed=7).id


def test_reset_refuses_a_task_that_is_not_offered(env):
    with pytest.raises(TaskSelectionError, match="no-such-task"):
        env.reset(task_id="no-such-task")


def test_the_oracle_episode_through_the_tools_resolves_and_is_rewarded_one(env, suite):
    env.reset(task_id=FAST_TASK)
    texts = play_oracle(env, task_by_id(suite, FAST_TASK))
    assert "Submitted: resolved (score 1.00)" in texts[-1]
    assert texts[-1].endswith("# The episode is over.")
    assert env.done
    assert env.grade is not None and env.grade.outcome == "resolved"
    assert env.get_reward() == 1.0
    assert env.shaped_return > 0  # the potential scheme pays for the tests it made pass


def test_tools_after_the_episode_say_it_is_over_and_take_no_step(env, suite):
    env.reset(task_id=FAST_TASK)
    play_oracle(env, task_by_id(suite, FAST_TASK))
    shaped = env.shaped_return
    assert env.read_file(path="thermo/convert.py") == (
        "The episode is over (resolved, score 1.00); no action is taken."
    )
    assert env.shaped_return == shaped
    assert env.get_reward() == 1.0


def test_the_reward_is_zero_until_the_work_is_graded(env):
    env.reset(task_id=FAST_TASK)
    env.run_tests()
    assert env.grade is None
    assert env.get_reward() == 0.0


def test_a_wrong_argument_is_rejected_as_text_and_takes_no_step(env):
    env.reset(task_id=FAST_TASK)
    out_of_range = env.replace_lines(path="thermo/convert.py", start_line=0, end_line=1, new_code="x\n")
    wrong_type = env.view_code(path="thermo/convert.py", start_line="first")  # type: ignore[arg-type]
    assert out_of_range.startswith("Rejected, no step was taken: invalid replace_lines action: start_line")
    assert wrong_type.startswith("Rejected, no step was taken: invalid view_code action: start_line")
    assert "step 1, 19 steps left" in env.read_file(path="thermo/convert.py")


def test_a_missing_file_is_an_observation_with_the_error(env):
    env.reset(task_id=FAST_TASK)
    text = env.read_file(path="thermo/missing.py")
    assert "# Error in your last action\n" in text
    assert "thermo/missing.py" in text
    assert "step 1, 19 steps left" in text


def test_tools_before_reset_say_there_is_no_episode(env):
    assert env.submit() == "There is no episode: the environment was not reset, or it was closed."
    assert env.get_reward() == 0.0


def test_a_reused_environment_starts_each_episode_afresh(env, suite):
    env.reset(task_id=FAST_TASK)
    play_oracle(env, task_by_id(suite, FAST_TASK))
    prompt = env.reset(task_id=OTHER_FAST_TASK)
    assert prompt.startswith(f"# Task {OTHER_FAST_TASK}")
    assert (env.done, env.grade, env.shaped_return, env.get_reward()) == (False, None, 0.0, 0.0)
    assert "step 1," in env.view_code()


def test_close_ends_the_episode_and_a_later_reset_starts_another(env):
    env.reset(task_id=FAST_TASK)
    env.close()
    assert env.run_tests().startswith("There is no episode")
    env.reset(task_id=FAST_TASK)
    assert "step 1," in env.run_tests()


def test_garbage_collection_deletes_the_episodes_workspace():
    environment = FixloopToolEnv()
    environment.reset(task_id=FAST_TASK)
    workspace = environment._transport._env.workspace.root
    assert workspace.is_dir()
    del environment
    gc.collect()
    # The episode's directory may stay, empty, with its worker for the next episode.
    assert not workspace.exists()


# ---- against a running `fixloop serve` -------------------------------------------------------


def test_socket_url_accepts_http_and_ws_addresses():
    assert socket_url("http://127.0.0.1:8000") == "ws://127.0.0.1:8000/ws"
    assert socket_url("https://envs.example.org/fixloop/") == "wss://envs.example.org/fixloop/ws"
    assert socket_url("ws://127.0.0.1:8000/ws") == "ws://127.0.0.1:8000/ws"
    with pytest.raises(ValueError, match="FIXLOOP_SERVER_URL"):
        socket_url("ftp://127.0.0.1")


def start_server(directory: Path, *options: str) -> tuple[subprocess.Popen[bytes], str]:
    """A real `fixloop serve` on a free port with `options`, once it answers GET /health."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        str(Path(sys.executable).with_name("fixloop")),
        "serve",
        "--port",
        str(port),
        "--sandbox",
        "process",
        "--db",
        f"sqlite:///{directory}/serve.db",
        "--suite",
        "builtin",
        *options,
    ]
    log = (directory / "serve.log").open("wb")
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=1) as reply:
                if reply.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.1)
        if process.poll() is not None:
            break
    process.kill()
    raise RuntimeError("fixloop serve did not start:\n" + (directory / "serve.log").read_text())


def stop_server(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    process, url = start_server(tmp_path_factory.mktemp("serve"))
    yield url
    stop_server(process)


@pytest.fixture
def remote_env(server, monkeypatch) -> Iterator[FixloopToolEnv]:
    monkeypatch.setenv("FIXLOOP_SERVER_URL", server)
    monkeypatch.setenv("FIXLOOP_SANDBOX", "no-such-sandbox")  # the server's setting, so never read
    environment = FixloopToolEnv()
    yield environment
    environment.close()


def test_the_oracle_episode_through_a_server_resolves_and_is_rewarded_one(remote_env, suite):
    prompt = remote_env.reset(task_id=FAST_TASK)
    assert prompt.startswith(f"# Task {FAST_TASK}\n")
    texts = play_oracle(remote_env, task_by_id(suite, FAST_TASK))
    assert "Submitted: resolved (score 1.00)" in texts[-1]
    assert remote_env.get_reward() == 1.0
    assert remote_env.shaped_return > 0
    assert remote_env.submit().startswith("The episode is over (resolved")
    assert remote_env.reset(task_id=OTHER_FAST_TASK).startswith(f"# Task {OTHER_FAST_TASK}\n")
    assert (remote_env.done, remote_env.grade, remote_env.get_reward()) == (False, None, 0.0)


def test_a_server_episode_gives_the_same_text_as_an_in_process_one(remote_env, env, suite):
    task = task_by_id(suite, FAST_TASK)
    assert remote_env.reset(task_id=FAST_TASK) == env.reset(task_id=FAST_TASK)
    assert play_oracle(remote_env, task) == play_oracle(env, task)


def test_a_wrong_argument_through_a_server_is_rejected_as_text(remote_env):
    remote_env.reset(task_id=FAST_TASK)
    text = remote_env.replace_lines(path="thermo/convert.py", start_line=0, end_line=1, new_code="x\n")
    assert text.startswith("Rejected, no step was taken: invalid replace_lines action: start_line")
    assert "step 1, 19 steps left" in remote_env.read_file(path="thermo/convert.py")


def test_a_server_refusing_the_task_raises_at_reset(remote_env):
    with pytest.raises(EnvServerError, match="no-such-task") as caught:
        remote_env.reset(task_id="no-such-task")
    assert caught.value.code == "VALIDATION_ERROR"


def test_a_server_at_capacity_refuses_the_reset_with_its_reason(tmp_path, monkeypatch):
    process, url = start_server(tmp_path, "--max-sessions", "1")
    monkeypatch.setenv("FIXLOOP_SERVER_URL", url)
    first, second = FixloopToolEnv(), FixloopToolEnv()
    try:
        first.reset(task_id=FAST_TASK)
        with pytest.raises(EnvServerError, match="at capacity") as caught:
            second.reset(task_id=FAST_TASK)
        assert caught.value.code == "CAPACITY_REACHED"
        assert "step 1," in first.read_file(path="thermo/convert.py")
    finally:
        first.close()
        second.close()
        stop_server(process)


def test_a_server_that_dies_mid_episode_ends_it_unscored(tmp_path, monkeypatch):
    process, url = start_server(tmp_path)
    monkeypatch.setenv("FIXLOOP_SERVER_URL", url)
    environment = FixloopToolEnv()
    try:
        environment.reset(task_id=FAST_TASK)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        text = environment.run_tests()
        assert text.startswith("The episode is over: the environment server failed")
        assert text.endswith("This is not your fault and is not scored.")
        assert environment.get_reward() is None
        assert environment.read_file(path="thermo/convert.py") == (
            "The episode is over (an infrastructure error, not scored); no action is taken."
        )
    finally:
        environment.close()
        stop_server(process)
