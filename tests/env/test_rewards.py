import itertools

import pytest

from fixloop.core.grade import Grade, GradeOutcome
from fixloop.env.rewards import (
    NavRepairReward,
    PotentialReward,
    StepEvent,
    TracefixReward,
    make_reward_scheme,
)


def grade(pass_fraction: float) -> Grade:
    return Grade(outcome=GradeOutcome.partial, score=0.5, pass_fraction=pass_fraction)


# ---- potential -------------------------------------------------------------------------------


def test_potential_reward_is_the_change_in_pass_fraction_minus_the_step_cost(calc_task):
    scheme = PotentialReward()
    scheme.reset(calc_task)
    event = StepEvent(
        step=1, action_type="run_tests", tests_run=True, pass_fraction_before=0.5, pass_fraction_after=0.75
    )
    assert scheme.reward(event) == pytest.approx(0.25 - 0.01)


def test_potential_reward_penalises_an_invalid_action(calc_task):
    scheme = PotentialReward()
    scheme.reset(calc_task)
    event = StepEvent(
        step=1, action_type="read_file", error="nope", pass_fraction_before=0.5, pass_fraction_after=0.5
    )
    assert scheme.reward(event) == pytest.approx(-0.01 - 0.05)


def test_potential_rewards_telescope_over_an_episode(calc_task):
    scheme = PotentialReward(step_cost=0.0)
    scheme.reset(calc_task)
    fractions = [0.5, 0.25, 0.75, 1.0]
    total = sum(
        scheme.reward(
            StepEvent(
                step=i + 1,
                action_type="run_tests",
                tests_run=True,
                pass_fraction_before=a,
                pass_fraction_after=b,
            )
        )
        for i, (a, b) in enumerate(itertools.pairwise(fractions))
    )
    assert total == pytest.approx(fractions[-1] - fractions[0])


# ---- tracefix --------------------------------------------------------------------------------


@pytest.fixture
def tracefix(calc_task):
    scheme = TracefixReward()
    scheme.reset(calc_task)
    return scheme


def test_tracefix_plain_step_costs_one_cent(tracefix):
    assert tracefix.reward(StepEvent(step=1, action_type="read_file")) == pytest.approx(-0.01)


def test_tracefix_repeat_penalty_grows_with_the_repeat_count(tracefix):
    assert tracefix.reward(StepEvent(step=2, action_type="read_file", repeat_count=2)) == pytest.approx(
        -0.01 - 0.05 * 2
    )


def test_tracefix_run_tests_earns_bonus_per_newly_passing_test(tracefix):
    event = StepEvent(step=1, action_type="run_tests", tests_run=True, newly_passing=3)
    assert tracefix.reward(event) == pytest.approx(-0.01 + 0.10 + 0.05 * 3)


def test_tracefix_run_tests_with_a_syntax_error_costs(tracefix):
    event = StepEvent(step=1, action_type="run_tests", tests_run=True, syntax_error=True)
    assert tracefix.reward(event) == pytest.approx(-0.01 - 0.10)


def test_tracefix_invalid_replace_costs_two_cents(tracefix):
    event = StepEvent(step=1, action_type="replace_lines", error="outside the file")
    assert tracefix.reward(event) == pytest.approx(-0.01 - 0.02)


def test_tracefix_empty_block_deleting_more_than_five_lines_costs(tracefix):
    big = StepEvent(step=1, action_type="replace_lines", lines_deleted_by_empty_block=6)
    small = StepEvent(step=2, action_type="replace_lines", lines_deleted_by_empty_block=5)
    assert tracefix.reward(big) == pytest.approx(-0.01 - 0.20)
    assert tracefix.reward(small) == pytest.approx(-0.01)


@pytest.mark.parametrize("kind", ["undo_edit", "reset"])
def test_tracefix_undo_and_reset_cost_ten_cents(tracefix, kind):
    assert tracefix.reward(StepEvent(step=1, action_type=kind)) == pytest.approx(-0.01 - 0.10)


def test_tracefix_submit_is_pass_fraction_minus_accumulated_step_costs(tracefix):
    for step in range(1, 5):
        tracefix.reward(StepEvent(step=step, action_type="read_file"))
    submit = StepEvent(step=5, action_type="submit", grade=grade(0.8))
    assert tracefix.reward(submit) == pytest.approx(0.8 - 0.05)


@pytest.mark.parametrize(("fraction", "expected"), [(1.0, 0.98), (0.0, 0.01)])
def test_tracefix_submit_is_clamped(tracefix, fraction, expected):
    assert tracefix.reward(StepEvent(step=1, action_type="submit", grade=grade(fraction))) == expected


def test_tracefix_submit_with_a_syntax_error_earns_the_floor(tracefix):
    event = StepEvent(step=1, action_type="submit", grade=grade(1.0), syntax_error=True)
    assert tracefix.reward(event) == 0.01


# ---- navrepair -------------------------------------------------------------------------------


@pytest.fixture
def navrepair(calc_task):
    scheme = NavRepairReward()
    scheme.reset(calc_task)
    return scheme


def test_navrepair_first_read_of_a_relevant_file_earns(navrepair):
    event = StepEvent(
        step=1, action_type="read_file", read_path="calc.py", first_read=True, relevant_read=True
    )
    assert navrepair.reward(event) == pytest.approx(0.05)


def test_navrepair_first_read_of_an_irrelevant_file_earns_nothing(navrepair):
    event = StepEvent(step=1, action_type="read_file", read_path="README.md", first_read=True)
    assert navrepair.reward(event) == 0.0


def test_navrepair_rereading_costs(navrepair):
    event = StepEvent(step=2, action_type="read_file", read_path="calc.py", relevant_read=True)
    assert navrepair.reward(event) == pytest.approx(-0.01)


def test_navrepair_invalid_action_costs(navrepair):
    assert navrepair.reward(StepEvent(step=1, action_type=None, error="bad json")) == pytest.approx(-0.02)


def test_navrepair_writing_a_fix_file_earns(navrepair):
    event = StepEvent(step=2, action_type="replace_lines", write_path="calc.py", first_write_to_fix_file=True)
    assert navrepair.reward(event) == pytest.approx(0.08)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        (0.5, 1.0, 0.10 + 0.3 * 0.5),
        (0.5, 0.25, 0.2 * -0.25),
        (0.5, 0.5, 0.0),
    ],
)
def test_navrepair_run_tests_rewards_the_change_in_pass_rate(navrepair, before, after, expected):
    event = StepEvent(
        step=1,
        action_type="run_tests",
        tests_run=True,
        pass_fraction_before=before,
        pass_fraction_after=after,
    )
    assert navrepair.reward(event) == pytest.approx(expected)


def test_navrepair_each_dangerous_pattern_costs(navrepair):
    event = StepEvent(step=1, action_type="write_file", write_path="x.py", dangerous_written=3)
    assert navrepair.reward(event) == pytest.approx(-0.15)


def test_navrepair_steps_beyond_the_optimal_count_cost(navrepair, calc_task):
    late = StepEvent(step=calc_task.step_target + 1, action_type="view_code")
    on_time = StepEvent(step=calc_task.step_target, action_type="view_code")
    assert navrepair.reward(late) == pytest.approx(-0.02)
    assert navrepair.reward(on_time) == 0.0


def test_navrepair_step_reward_is_clamped(navrepair):
    event = StepEvent(step=1, action_type="write_file", write_path="x.py", dangerous_written=40)
    assert navrepair.reward(event) == -1.0


def test_navrepair_submit_earns_the_pass_rate(navrepair):
    assert navrepair.reward(StepEvent(step=1, action_type="submit", grade=grade(0.75))) == 0.75


def test_unknown_scheme_names_the_known_ones():
    with pytest.raises(ValueError, match="potential, tracefix, navrepair"):
        make_reward_scheme("dense")
