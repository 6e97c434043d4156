import pytest

from fixloop.agents.oracle import OracleAgent, line_edits, plan_fix
from fixloop.env.debug_env import DebugEnv
from fixloop.env.line_edit import replace_line_range
from fixloop.env.workspace import Workspace
from fixloop.rollout.episode import run_episode
from fixloop.tasks.loader import load_suite

BUILTIN = load_suite("builtin")


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("a\nb\nc\n", "a\nB\nc\n"),
        ("a\nb\nc\n", "a\nc\n"),
        ("a\nb\nc\n", "x\na\nb\nc\n"),
        ("a\nb\nc\n", "a\nb\nc\nd\n"),
        ("def f():\n    return 1\n", "def f():\n    x = 2\n    return x\n"),
    ],
)
def test_line_edits_reproduce_the_target_exactly(before, after):
    text = before
    for edit in line_edits(before, after):
        text, _ = replace_line_range(text, edit.start_line, edit.end_line, edit.new_code)
    assert text == after


@pytest.mark.parametrize("task", BUILTIN, ids=lambda t: t.id)
def test_the_plan_turns_the_buggy_repo_into_the_fixed_one(task):
    workspace = Workspace(task.files)
    try:
        for action in plan_fix(task):
            if action.action_type == "replace_lines":
                workspace.replace_lines(action.path, action.start_line, action.end_line, action.new_code)
            elif action.action_type == "write_file":
                workspace.write(action.path, action.content)
        assert workspace.snapshot() == task.fixed_files
    finally:
        workspace.close()


@pytest.mark.parametrize("task", BUILTIN, ids=lambda t: t.id)
def test_the_oracle_resolves_every_builtin_task(each_sandbox, task):
    trajectory = run_episode(DebugEnv(each_sandbox), OracleAgent(task), task)
    assert trajectory.outcome == "resolved", trajectory.grade
    assert trajectory.score == 1.0
