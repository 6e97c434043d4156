"""Ground truth Φ* measured by replaying a hand-built episode of the calc task in a real sandbox."""

import pytest

from fixloop.core.trajectory import StepRecord, Trajectory
from fixloop.improve.critic.ground_truth import measure_ground_truth, start_point
from tests.calc_task import CALC_FIXED, make_calc_task


class CountingSandbox:
    """The session's sandbox, counting test runs."""

    def __init__(self, inner):
        self.inner = inner
        self.name = inner.name
        self.runs = 0

    def run_tests(self, *args, **kwargs):
        self.runs += 1
        return self.inner.run_tests(*args, **kwargs)

    def start_episode(self, directory, python=None):
        self.inner.start_episode(directory)

    def open_episode(self, python=None):
        return self.inner.open_episode(python)

    def end_episode(self, directory):
        self.inner.end_episode(directory)

    def close(self):
        """The session's sandbox stays open."""


def replace(line: str) -> dict:
    return {
        "action_type": "replace_lines",
        "path": "calc.py",
        "start_line": 3,
        "end_line": 3,
        "new_code": line,
    }


ACTIONS = [
    {"action_type": "run_tests"},
    {"action_type": "read_file", "path": "calc.py"},
    replace("    return a / b"),  # add(0, 0) now raises: a pass_to_pass test breaks
    {"action_type": "undo_edit"},
    replace("    return a + b"),  # the fix
    {"action_type": "write_file", "path": "calc.py", "content": CALC_FIXED},  # the same text again
    {"action_type": "run_tests"},
    {"action_type": "submit"},
]


def episode(actions=ACTIONS, task_id: str = "calc-add") -> Trajectory:
    steps = [StepRecord(index=i, action=a, reward=0.0) for i, a in enumerate(actions, 1)]
    return Trajectory(
        task_id=task_id,
        agent="hand",
        reward_scheme="potential",
        sandbox="process",
        steps=steps,
        outcome="resolved",
    )


@pytest.fixture(scope="module")
def measured(sandbox):
    counting = CountingSandbox(sandbox)
    points = measure_ground_truth(make_calc_task(), episode(), counting)
    return points, counting.runs


def test_there_is_a_point_for_the_start_and_every_step(measured):
    points, _ = measured
    assert [p.step for p in points] == list(range(len(ACTIONS) + 1))


def test_the_start_is_the_tasks_definition():
    start = start_point(make_calc_task())
    assert (start.phi_star, start.passed, start.total) == (5.0, 2, 4)
    assert start.failing == ("tests/test_calc.py::test_add_small", "tests/test_calc.py::test_add_negative")


def test_reading_and_testing_steps_reuse_the_measurement(measured):
    points, _ = measured
    assert [p.changed for p in points[1:3]] == [False, False]
    assert [p.phi_star for p in points[:3]] == [5.0, 5.0, 5.0]


def test_only_steps_that_changed_the_workspace_run_the_tests(measured):
    points, runs = measured
    assert [p.step for p in points if p.changed] == [3, 4, 5]
    assert runs == 3


def test_an_edit_that_breaks_a_passing_test_lowers_phi_star(measured):
    points, _ = measured
    assert points[3].phi_star == 2.5
    assert "tests/test_calc.py::test_add_zero" in points[3].failing


def test_undoing_it_restores_phi_star(measured):
    points, _ = measured
    assert points[4].phi_star == 5.0


def test_the_fix_raises_phi_star_to_ten(measured):
    points, _ = measured
    assert (points[5].phi_star, points[5].passed, points[5].failing, points[5].outcome) == (
        10.0,
        4,
        (),
        "resolved",
    )


def test_writing_the_same_text_again_changes_nothing(measured):
    points, _ = measured
    assert points[6].changed is False
    assert [p.phi_star for p in points[6:]] == [10.0, 10.0, 10.0]


def test_a_trajectory_of_another_task_is_refused(sandbox):
    with pytest.raises(ValueError, match="not of calc-add"):
        measure_ground_truth(make_calc_task(), episode(task_id="pager"), sandbox)
