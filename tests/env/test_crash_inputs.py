"""Inputs that once crashed or stalled `DebugEnv.step` now become `last_action_error`.

Each was seen raising out of `step` (and the first three aborting a whole `fixloop run`):
a link loop, a FIFO, a NUL in a path, a 5,000-character name, a 2,000-component path, a
lone surrogate in a path or in content, an action nested 1,000 levels deep.
"""

import json
import os
import signal

import pytest

from fixloop.env.actions import ReadFile, ViewCode
from fixloop.env.debug_env import DebugEnv
from tests.env.fake_sandbox import FakeSandbox


@pytest.fixture(autouse=True)
def no_stall():
    """Fails a test that blocks (on a FIFO, say) instead of letting it hang."""

    def stalled(signum, frame):
        raise TimeoutError("the step stalled")

    previous = signal.signal(signal.SIGALRM, stalled)
    signal.alarm(20)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture
def fake_env(calc_task):
    environment = DebugEnv(FakeSandbox())
    environment.reset(calc_task)
    yield environment
    environment.close()


def assert_refused_and_still_working(env, action):
    result = env.step(action)
    assert result.observation.last_action_error, result.observation.render()
    assert not result.done
    assert "infra_error" not in result.info
    assert env.step(ReadFile(path="tests/test_calc.py")).observation.last_action_error is None


FILE_ACTIONS = {
    "read_file": lambda path: {"action_type": "read_file", "path": path},
    "view_code": lambda path: {"action_type": "view_code", "path": path},
    "write_file": lambda path: {"action_type": "write_file", "path": path, "content": "x = 1\n"},
    "write_below": lambda path: {"action_type": "write_file", "path": path + "/inner.py", "content": "x"},
    "replace_lines": lambda path: {
        "action_type": "replace_lines",
        "path": path,
        "start_line": 1,
        "end_line": 1,
        "new_code": "x",
    },
    "search_code": lambda path: {"action_type": "search_code", "query": "def", "path": path},
    "run_tests": lambda path: {"action_type": "run_tests", "target": path},
}
"""Every action that names a path, as an agent would send it (a dict)."""


@pytest.mark.parametrize("make", FILE_ACTIONS.values(), ids=FILE_ACTIONS)
@pytest.mark.parametrize("path", ["loop", "a", "calc.py"])
def test_a_link_loop_is_an_error(fake_env, make, path):
    root = fake_env.workspace.root
    os.symlink("loop", root / "loop")
    os.symlink("b", root / "a")
    os.symlink("a", root / "b")
    (root / "calc.py").unlink()
    os.symlink("calc.py", root / "calc.py")
    assert_refused_and_still_working(fake_env, make(path))


@pytest.mark.parametrize("make", FILE_ACTIONS.values(), ids=FILE_ACTIONS)
@pytest.mark.parametrize("path", ["pipe.py", "calc.py"])
def test_a_fifo_is_an_error_and_never_blocks(fake_env, make, path):
    root = fake_env.workspace.root
    os.mkfifo(root / "pipe.py")
    (root / "calc.py").unlink()
    os.mkfifo(root / "calc.py")
    assert_refused_and_still_working(fake_env, make(path))
    assert "pipe.py (FIFO; not followed or read)" in fake_env.step(ViewCode()).observation.repo_notes


@pytest.mark.parametrize("make", FILE_ACTIONS.values(), ids=FILE_ACTIONS)
def test_a_nul_in_a_path_is_an_error(fake_env, make):
    assert_refused_and_still_working(fake_env, make("calc\x00.py"))


@pytest.mark.parametrize("length", [300, 5_000])
@pytest.mark.parametrize("make", FILE_ACTIONS.values(), ids=FILE_ACTIONS)
def test_a_very_long_name_is_an_error(fake_env, make, length):
    assert_refused_and_still_working(fake_env, make("x" * length + ".py"))


@pytest.mark.parametrize("make", FILE_ACTIONS.values(), ids=FILE_ACTIONS)
def test_a_path_of_2000_components_is_an_error(fake_env, make):
    assert_refused_and_still_working(fake_env, make("a/" * 2_000 + "x.py"))


@pytest.mark.parametrize(
    "raw",
    [
        {"action_type": "write_file", "path": "bad\ud800.py", "content": "x = 1\n"},
        {"action_type": "write_file", "path": "calc.py", "content": "x = '\udcff'\n"},
        {"action_type": "read_file", "path": "\udc80"},
        '{"action_type": "write_file", "path": "calc.py", "content": "\\ud800"}',
        {"action_type": "submit", "thought": "\ud800"},
    ],
)
def test_a_lone_surrogate_is_an_error(fake_env, raw):
    assert_refused_and_still_working(fake_env, raw)
    assert fake_env.workspace.snapshot()["calc.py"] == fake_env._task.files["calc.py"]


def nested_list(depth):
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def nested_dict(depth):
    value: dict = {"action_type": "submit"}
    for _ in range(depth):
        value = {"action_type": "submit", "thought": value}
    return value


@pytest.mark.parametrize(
    "raw",
    [
        "[" * 1_000 + "]" * 1_000,
        '{"action_type": "submit", "thought": ' + "[" * 1_000 + "]" * 1_000 + "}",
        json.dumps({"action_type": "read_file", "path": nested_list(900)}),
        {"action_type": "read_file", "path": nested_list(1_000)},
        nested_dict(1_000),
        nested_list(100_000),
    ],
    ids=["json-array", "json-field", "json-path", "dict-path", "dict-of-dicts", "list"],
)
def test_an_action_nested_1000_levels_deep_is_an_error(fake_env, raw):
    assert_refused_and_still_working(fake_env, raw)
