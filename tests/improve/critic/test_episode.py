"""A critic over a stored episode: state views from the trajectory, scores chained step to step,
and the evaluation against constructed ground truth."""

import json
import statistics

import pytest

from fixloop.core.step_summary import PassSummary, StepSummary
from fixloop.core.trajectory import StepRecord, Trajectory
from fixloop.improve.critic.contrast import TemplateContrast, action_types, calibration_cards
from fixloop.improve.critic.critic import LLMCritic
from fixloop.improve.critic.episode import evaluate_episode, score_episode, state_views
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.improve.critic.sim_critic import make_sim_critic
from fixloop.models.scripted import ScriptedModel
from tests.calc_task import make_calc_task

TASK = make_calc_task()
BREAK = "-    return a - b\n+    return a / b\n"
FIX = "-    return a - b\n+    return a + b\n"


def record(index, action, **summary) -> StepRecord:
    return StepRecord(index=index, action=action, reward=0.0, summary=StepSummary(**summary))


def replace(line):
    return {
        "action_type": "replace_lines",
        "path": "calc.py",
        "start_line": 3,
        "end_line": 3,
        "new_code": line,
    }


STEPS = [
    record(
        1,
        {"action_type": "run_tests"},
        tests=PassSummary(passed=2, total=4),
        test_output="2 passed, 2 failed",
    ),
    record(2, {"action_type": "read_file", "path": "calc.py"}, path="calc.py"),
    record(3, replace("    return a / b"), path="calc.py", diff=BREAK),
    record(4, {"action_type": "undo_edit"}, path="calc.py", diff="(undone)"),
    record(5, replace("    return a + b"), path="calc.py", diff=FIX),
    record(6, {"action_type": "run_tests"}, tests=PassSummary(passed=4, total=4), test_output="4 passed"),
    record(7, {"action_type": "submit"}),
]
EPISODE = Trajectory(
    task_id="calc-add",
    agent="hand",
    reward_scheme="potential",
    sandbox="process",
    steps=STEPS,
    outcome="resolved",
)
PHI = [5.0, 5.0, 5.0, 2.5, 5.0, 10.0, 10.0, 10.0]
POINTS = [
    GroundTruthPoint(
        step=i, phi_star=phi, changed=i in (3, 4, 5), passed=int(phi * 0.4), total=4, outcome="partial"
    )
    for i, phi in enumerate(PHI)
]


def test_there_is_a_view_for_the_start_and_every_step_with_its_ground_truth():
    views = state_views(EPISODE, POINTS)
    assert [(v.step, v.phi_star) for v in views] == list(enumerate(PHI))


def test_a_view_carries_the_changes_so_far_and_the_last_test_run():
    views = state_views(EPISODE, POINTS)
    assert views[5].diff == BREAK + "(undone)" + FIX
    assert views[5].tests == PassSummary(passed=2, total=4)
    assert views[6].tests == PassSummary(passed=4, total=4)
    assert views[2].observation == "read_file calc.py"


def test_views_need_ground_truth_for_every_step():
    with pytest.raises(ValueError, match=r"no ground truth for steps \[7\]"):
        state_views(EPISODE, POINTS[:-1])


def test_each_score_is_safeguarded_against_the_critics_previous_one():
    replies = [
        {"phi": 4.0, "reasoning": "r", "evidence": "2 of 4 graded tests pass", "confidence": 0.9},
        {"phi": 9.0, "reasoning": "r", "evidence": "looks ok", "confidence": 0.9},  # too short: no change
        {"phi": 8.0, "reasoning": "r", "evidence": "the diff breaks add(0, 0)", "confidence": 0.1},  # halved
    ]
    model = ScriptedModel([json.dumps(r) for r in replies] + ["nonsense"] * 4)
    scores = score_episode(LLMCritic(model), TASK, EPISODE, POINTS)
    assert [s.phi for s in scores[:4]] == [4.0, 4.0, 6.0, 6.0]
    assert scores[3].error is not None


def test_a_good_simulated_critic_ranks_the_steps_like_the_tests():
    evaluation = evaluate_episode(make_sim_critic("sim-critic:good"), TASK, EPISODE, POINTS)
    assert evaluation.simulated is True
    assert evaluation.critic == "sim-critic:good"
    assert evaluation.spearman is not None and evaluation.spearman > 0.7


def test_the_template_calibration_cards_make_the_sycophant_more_accurate():
    pairs = TemplateContrast().pairs("calc-add", POINTS, action_types(EPISODE)).pairs
    lessons = "\n".join(card.text() for card in calibration_cards(pairs))

    def mean(figure: str, calibration: str) -> float:
        critics = [
            make_sim_critic("sim-critic:sycophant", seed=s, calibration=calibration) for s in range(20)
        ]
        return statistics.fmean(getattr(evaluate_episode(c, TASK, EPISODE, POINTS), figure) for c in critics)

    assert mean("mae", lessons) < mean("mae", "")
    assert mean("sycophancy_rate", lessons) < mean("sycophancy_rate", "")
