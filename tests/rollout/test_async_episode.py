"""The event-loop episode records what the plain loop records."""

import asyncio
import json

from fixloop.agents.llm_agent import LLMAgent
from fixloop.env.debug_env import DebugEnv
from fixloop.models.scripted import ScriptedModel
from fixloop.rollout.episode import arun_episode, run_episode

REPLIES = [
    json.dumps({"action_type": "read_file", "path": "calc.py"}),
    "not an action",
    json.dumps({"action_type": "replace_lines", "path": "calc.py", "start_line": 3, "end_line": 3,
                "new_code": "return a + b"}),
    json.dumps({"action_type": "submit"}),
]  # fmt: skip


def summary(trajectory):
    return (
        trajectory.outcome,
        trajectory.score,
        trajectory.tokens,
        trajectory.task_facts,
        [(s.action, s.error, s.done, round(s.reward, 6), s.summary) for s in trajectory.steps],
    )


async def in_threads(fn, *args):
    return await asyncio.to_thread(fn, *args)


def test_the_async_loop_records_the_same_trajectory_as_the_plain_loop(sandbox, calc_task):
    plain = run_episode(DebugEnv(sandbox), LLMAgent(ScriptedModel(REPLIES)), calc_task)
    model = ScriptedModel(REPLIES)
    awaited = asyncio.run(arun_episode(DebugEnv(sandbox), LLMAgent(model), calc_task, in_threads))
    assert summary(awaited) == summary(plain)
    assert awaited.outcome == "resolved"
    assert len(model.calls) == len(REPLIES)


def test_a_trajectory_records_the_task_facts_and_each_step_summary(sandbox, calc_task):
    trajectory = run_episode(DebugEnv(sandbox), LLMAgent(ScriptedModel(REPLIES)), calc_task)
    assert trajectory.task_facts.fix_paths == ["calc.py"]
    assert trajectory.task_facts.fix_lines == 2
    assert trajectory.task_facts.relevant_files == ["calc.py", "tests/test_calc.py"]
    read, _, edit, submit = trajectory.steps
    assert read.summary.path == "calc.py"
    assert "+    return a + b" in edit.summary.diff
    assert submit.summary.pass_fraction == 1.0
