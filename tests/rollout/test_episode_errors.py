"""One broken episode is recorded as `infra_error` and never ends the run around it."""

import asyncio
import logging

from fixloop.env.actions import ReadFile, RunTests, Submit, WriteFile
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import arun_episode, run_episode
from fixloop.rollout.runner import run_tasks
from tests.env.fake_sandbox import FakeSandbox


class ScriptAgent:
    """Plays a fixed list of actions (raw dicts and strings included), then submits."""

    name = "script"

    def __init__(self, actions):
        self.actions = list(actions)

    def reset(self):
        self.queue = list(self.actions)

    def act(self, observation):
        return self.queue.pop(0) if self.queue else Submit()


class BrokenResetAgent(ScriptAgent):
    def reset(self):
        raise KeyError("state the agent expected")


def breaking_step_for(monkeypatch, task_id):
    """Makes `DebugEnv.step` raise (as a fixloop bug would) on the task `task_id` only."""
    step = DebugEnv.step

    def broken(self, action):
        if self._task.id == task_id:
            raise RuntimeError("a bug in the environment")
        return step(self, action)

    monkeypatch.setattr(DebugEnv, "step", broken)


def test_an_environment_that_raises_is_recorded_as_infra_error_with_its_traceback(
    calc_task, monkeypatch, caplog
):
    breaking_step_for(monkeypatch, calc_task.id)
    sandbox = FakeSandbox()
    trajectory = run_episode(DebugEnv(sandbox), ScriptAgent([ReadFile(path="calc.py")]), calc_task)
    assert trajectory.outcome == "infra_error"
    assert trajectory.error == "fixloop bug: RuntimeError: a bug in the environment"
    bug = next(record for record in caplog.records if "fixloop bug" in record.getMessage())
    assert bug.levelno == logging.ERROR and "a bug in the environment" in bug.exc_text


def test_the_event_loop_episode_records_the_same_infra_error(calc_task, monkeypatch):
    breaking_step_for(monkeypatch, calc_task.id)

    async def in_threads(fn, *args):
        return await asyncio.to_thread(fn, *args)

    agent = ScriptAgent([ReadFile(path="calc.py")])
    trajectory = asyncio.run(arun_episode(DebugEnv(FakeSandbox()), agent, calc_task, in_threads))
    assert (trajectory.outcome, trajectory.error) == (
        "infra_error",
        "fixloop bug: RuntimeError: a bug in the environment",
    )


def test_an_agent_that_raises_outside_act_is_recorded_and_the_environment_closed(calc_task):
    env = DebugEnv(FakeSandbox())
    trajectory = run_episode(env, BrokenResetAgent([]), calc_task)
    assert trajectory.outcome == "infra_error"
    assert "KeyError" in trajectory.error
    assert env._workspace is None


def test_a_broken_episode_does_not_stop_the_others_of_the_run(calc_task, monkeypatch):
    broken = calc_task.model_copy(update={"id": "calc-broken"})
    breaking_step_for(monkeypatch, broken.id)
    trajectories = run_tasks(
        [broken, calc_task, calc_task.model_copy(update={"id": "calc-again"})],
        lambda task: ScriptAgent([ReadFile(path="calc.py")]),
        FakeSandbox,
        workers=2,
    )
    assert [t.outcome == "infra_error" for t in trajectories] == [True, False, False]
    assert all(len(t.steps) == 2 for t in trajectories[1:])


def test_test_code_that_plants_a_link_loop_and_a_fifo_leaves_a_normal_episode(sandbox, calc_task):
    """Once, these inputs aborted a whole `fixloop run` (and its `--resume`)."""
    plant = (
        "import os, pathlib\n\n"
        "def test_plant():\n"
        "    root = pathlib.Path(__file__).resolve().parent.parent\n"
        "    os.symlink('loop', root / 'loop')\n"
        "    os.mkfifo(root / 'pipe.py')\n"
        "    (root / 'calc.py').unlink()\n"
        "    os.mkfifo(root / 'calc.py')\n"
    )
    agent = ScriptAgent(
        [
            WriteFile(path="tests/test_plant.py", content=plant),
            RunTests(target="tests/test_plant.py"),
            ReadFile(path="loop"),
            ReadFile(path="pipe.py"),
            {"action_type": "read_file", "path": "calc\x00.py"},
            ReadFile(path="calc.py"),
            {"action_type": "search_code", "query": "def"},
        ]
    )
    trajectory = run_episode(DebugEnv(sandbox), agent, calc_task)
    assert trajectory.outcome not in ("infra_error", "agent_error"), trajectory.error
    loop, pipe, nul, calc = (step.error for step in trajectory.steps[2:6])
    assert "symbolic link" in loop and "FIFO" in pipe and "NUL" in nul and "FIFO" in calc
    assert trajectory.steps[-1].action == {"action_type": "submit", "thought": None}
