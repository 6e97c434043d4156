"""The `repair` baseline: generate-and-validate repair through the environment's actions."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from pydantic import ValidationError

from fixloop.agents import repair
from fixloop.agents.repair import RepairAgent, RepairConfig
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import run_episode
from fixloop.tasks.loader import load_suite
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.synthesis import SynthesisConfig, synthesize
from fixloop.tasks.task import Task
from tests.calc_task import CALC_BUGGY, make_calc_task

# Every bug the synthesizer can plant here, the agent's operators can undo: no statement
# can be removed and every return gives back a local.
RANGES_REPO = {
    "mini/__init__.py": "",
    "mini/ranges.py": (
        "def clamp(value, low, high):\n"
        "    if value < low:\n        result = low\n"
        "    elif value > high:\n        result = high\n"
        "    else:\n        result = value\n"
        "    return result\n\n\n"
        "def overlaps(first, second):\n"
        "    if max(first[0], second[0]) < min(first[1], second[1]):\n        answer = True\n"
        "    else:\n        answer = False\n"
        "    return answer\n"
    ),
    "tests/test_ranges.py": (
        "from mini.ranges import clamp, overlaps\n\n\n"
        "def test_clamp_below():\n    assert clamp(-5, 0, 10) == 0\n\n\n"
        "def test_clamp_above():\n    assert clamp(15, 0, 10) == 10\n\n\n"
        "def test_clamp_inside():\n    assert clamp(5, 0, 10) == 5\n\n\n"
        "def test_overlapping():\n    assert overlaps((0, 5), (3, 8))\n\n\n"
        "def test_disjoint():\n    assert not overlaps((0, 2), (3, 8))\n\n\n"
        "def test_touching():\n    assert not overlaps((0, 3), (3, 8))\n"
    ),
}


def _unreachable_task(**overrides) -> Task:
    """The calc task with a bug no single candidate fixes: `add` returns `a * b * 0`."""
    files = {**make_calc_task().files, "calc.py": CALC_BUGGY.replace("return a - b", "return a * b * 0")}
    return make_calc_task(files=files, **overrides)


def _actions(trajectory: Trajectory) -> list[dict]:
    return [step.action or {} for step in trajectory.steps]


def test_resolves_the_calc_task(sandbox, calc_task):
    trajectory = run_episode(DebugEnv(sandbox), RepairAgent(), calc_task)
    assert trajectory.outcome == "resolved"


@pytest.fixture(scope="module")
def synthesized(sandbox, tmp_path_factory) -> list[Task]:
    repo = write_repo_tree(RANGES_REPO, tmp_path_factory.mktemp("ranges"))
    return synthesize(repo, sandbox, SynthesisConfig(n=3, seed=0, repeats=1)).tasks


def test_resolves_synthesized_one_operator_bugs(sandbox, synthesized):
    assert len(synthesized) == 3
    for task in synthesized:
        trajectory = run_episode(DebugEnv(sandbox), RepairAgent(), task)
        assert trajectory.outcome == "resolved", task.mutation


def test_the_same_task_gives_the_same_trajectory(sandbox):
    task = _unreachable_task()
    first = run_episode(DebugEnv(sandbox), RepairAgent(), task)
    second = run_episode(DebugEnv(sandbox), RepairAgent(), task)
    assert _actions(first) == _actions(second)
    assert len(first.steps) > 4


@pytest.mark.parametrize("max_steps", [1, 2, 5, 9, 12])
def test_submits_within_the_step_budget(sandbox, max_steps):
    task = _unreachable_task(max_steps=max_steps)
    trajectory = run_episode(DebugEnv(sandbox), RepairAgent(), task)
    assert len(trajectory.steps) <= max_steps
    assert _actions(trajectory)[-1]["action_type"] == "submit"


def test_a_rejected_candidate_is_reverted_before_submitting(sandbox):
    task = _unreachable_task()
    env = DebugEnv(sandbox)
    agent = RepairAgent()
    observation = env.reset(task)
    try:
        while not observation.done:
            action = agent.act(observation)
            if action.action_type == "submit":
                break
            observation = env.step(action).observation
        assert env.state().changed_files == []
    finally:
        env.close()


def test_without_folding_each_rejected_candidate_is_undone(sandbox):
    task = _unreachable_task(max_steps=20)
    trajectory = run_episode(DebugEnv(sandbox), RepairAgent(RepairConfig(fold_reverts=False)), task)
    kinds = [action["action_type"] for action in _actions(trajectory)]
    edits = [i for i, kind in enumerate(kinds) if kind == "replace_lines"]
    assert edits
    assert all(kinds[i + 1 : i + 3] == ["run_tests", "undo_edit"] for i in edits)


def test_an_internal_error_submits_the_work_instead_of_crashing(sandbox, calc_task, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(repair, "candidates_for", broken)
    trajectory = run_episode(DebugEnv(sandbox), RepairAgent(), calc_task)
    assert trajectory.outcome == "unresolved"
    assert "boom" in (_actions(trajectory)[-1].get("thought") or "")


def test_the_config_rejects_unknown_fields():
    with pytest.raises(ValidationError):
        RepairConfig(max_candidate=3)  # type: ignore[call-arg]


def test_never_crashes_on_any_builtin_task(sandbox):
    # One candidate per task keeps this fast, and so does a shorter test timeout: a candidate
    # that loops forever costs a whole timeout. The search is the same as by default.
    tasks = [task.model_copy(update={"timeout_s": 10.0}) for task in load_suite("builtin")]
    config = RepairConfig(max_candidates=1)

    def episode(task: Task) -> Trajectory:
        return run_episode(DebugEnv(sandbox), RepairAgent(config), task)

    with ThreadPoolExecutor(max_workers=2) as pool:
        trajectories = list(pool.map(episode, tasks))

    assert len(trajectories) == 42
    for trajectory in trajectories:
        assert trajectory.grade is not None and trajectory.error is None, trajectory.task_id
        assert trajectory.outcome in ("resolved", "partial", "unresolved"), trajectory.task_id
        assert _actions(trajectory)[-1]["action_type"] == "submit", trajectory.task_id
        assert "failed internally" not in (_actions(trajectory)[-1].get("thought") or ""), trajectory.task_id
