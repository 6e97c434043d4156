"""Edit-budget schedules: endpoints, decay, rounding, and the errors."""

import pytest

from fixloop.improve.skills.schedules import SCHEDULES, edit_budget


def budgets(total_steps: int, **options) -> list[int]:
    return [edit_budget(step, total_steps, **options) for step in range(total_steps)]


def test_the_known_schedules():
    assert SCHEDULES == ("cosine", "linear", "constant")


def test_the_default_is_cosine_from_four_to_two():
    assert budgets(10) == [4, 4, 4, 4, 3, 3, 3, 2, 2, 2]


@pytest.mark.parametrize("kind", ["cosine", "linear"])
def test_decaying_schedules_start_at_lr_and_end_at_min_lr(kind):
    assert edit_budget(0, 7, lr=9, min_lr=1, kind=kind) == 9
    assert edit_budget(6, 7, lr=9, min_lr=1, kind=kind) == 1


@pytest.mark.parametrize("kind", ["cosine", "linear"])
def test_decaying_schedules_never_increase(kind):
    values = budgets(50, lr=12, min_lr=0, kind=kind)
    assert values == sorted(values, reverse=True)


def test_linear_decays_evenly():
    assert budgets(5, lr=8, min_lr=0, kind="linear") == [8, 6, 4, 2, 0]


def test_exact_halves_round_up():
    assert budgets(3, lr=3, min_lr=2, kind="linear") == [3, 3, 2]
    assert budgets(3, lr=3, min_lr=2, kind="cosine") == [3, 3, 2]


def test_cosine_keeps_more_budget_early_than_linear():
    assert edit_budget(2, 10, lr=20, min_lr=0) > edit_budget(2, 10, lr=20, min_lr=0, kind="linear")


def test_constant_is_always_lr():
    assert budgets(4, lr=3, min_lr=1, kind="constant") == [3, 3, 3, 3]


@pytest.mark.parametrize("kind", SCHEDULES)
def test_a_single_step_training_gets_lr(kind):
    assert edit_budget(0, 1, lr=5, min_lr=1, kind=kind) == 5


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"step": 0, "total_steps": 0}, "at least one step"),
        ({"step": 3, "total_steps": 3}, "step 3 is outside the training's steps 0..2"),
        ({"step": -1, "total_steps": 3}, "step -1 is outside"),
        ({"step": 0, "total_steps": 3, "lr": 0, "min_lr": 0}, "lr is 0"),
        ({"step": 0, "total_steps": 3, "min_lr": -1}, "min_lr is -1"),
        ({"step": 0, "total_steps": 3, "lr": 2, "min_lr": 3}, "min_lr is 3: it must be between 0 and lr"),
        ({"step": 0, "total_steps": 3, "kind": "step"}, "unknown schedule 'step'"),
    ],
)
def test_invalid_arguments_raise_a_clear_error(arguments, message):
    with pytest.raises(ValueError, match=message):
        edit_budget(**arguments)
