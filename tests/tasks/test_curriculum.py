"""The curriculum sampler: a tiered schedule over progress, and an adaptive mode."""

from __future__ import annotations

from collections import Counter

import pytest

from fixloop.tasks.curriculum import CurriculumSampler, tier_weights
from fixloop.tasks.task import Task
from tests.calc_task import make_calc_task


def suite(per_level: int = 5) -> list[Task]:
    return [
        make_calc_task(id=f"{level}-{i}", difficulty=level)
        for level in ("easy", "medium", "hard")
        for i in range(per_level)
    ]


def levels_drawn(sampler: CurriculumSampler, progress: float, draws: int = 2000) -> Counter[str]:
    return Counter(task.difficulty.value for _ in range(draws) for task in sampler.sample(1, progress))


@pytest.mark.parametrize(
    ("progress", "expected"),
    [(0.0, (0.8, 0.1, 0.1)), (0.25, (0.45, 0.45, 0.1)), (0.5, (0.1, 0.8, 0.1)), (1.0, (0.1, 0.1, 0.8))],
)
def test_tier_weights_follow_the_documented_schedule(progress, expected) -> None:
    weights = tier_weights(progress)

    assert tuple(weights.values()) == pytest.approx(expected)


def test_tiered_sampling_moves_from_easy_to_hard_as_progress_grows() -> None:
    sampler = CurriculumSampler(suite(), mode="tiered", seed=0)

    early, middle, late = (levels_drawn(sampler, p) for p in (0.0, 0.5, 1.0))

    assert early.most_common(1)[0][0] == "easy" and early["easy"] > 0.7 * 2000
    assert middle.most_common(1)[0][0] == "medium" and middle["medium"] > 0.7 * 2000
    assert late.most_common(1)[0][0] == "hard" and late["hard"] > 0.7 * 2000


def test_tiered_sampling_reaches_every_tier_at_any_progress() -> None:
    sampler = CurriculumSampler(suite(), mode="tiered", seed=0)

    assert all(len(levels_drawn(sampler, p, draws=500)) == 3 for p in (0.0, 0.5, 1.0))


def test_a_batch_repeats_no_task_until_the_suite_is_used_up() -> None:
    tasks = suite(per_level=2)
    sampler = CurriculumSampler(tasks, seed=0)

    batch = sampler.sample(len(tasks) + 2, 0.0)

    assert sorted(t.id for t in batch[: len(tasks)]) == sorted(t.id for t in tasks)
    assert len(batch) == len(tasks) + 2


@pytest.mark.parametrize("mode", ["tiered", "adaptive"])
def test_the_same_seed_gives_the_same_batches_whatever_the_input_order(mode) -> None:
    first = CurriculumSampler(suite(), mode=mode, seed=3)
    second = CurriculumSampler(suite()[::-1], mode=mode, seed=3)

    assert [t.id for t in first.sample(20, 0.3)] == [t.id for t in second.sample(20, 0.3)]


def test_adaptive_prefers_tasks_whose_estimate_is_nearest_the_target() -> None:
    sampler = CurriculumSampler(suite(per_level=1), mode="adaptive", seed=0, target=0.5)
    assert (
        Counter(t.id for _ in range(200) for t in sampler.sample(1, 0.0)).most_common(1)[0][0] == "medium-0"
    )
    for _ in range(20):
        sampler.update("easy-0", True)  # always solved: far above the target
        sampler.update("medium-0", False)  # never solved: far below
    for success in (True, False) * 10:
        sampler.update("hard-0", success)  # solved half the time: at the target

    drawn = Counter(t.id for _ in range(1000) for t in sampler.sample(1, 0.0))

    assert drawn.most_common(1)[0][0] == "hard-0"
    assert drawn["hard-0"] > 0.85 * 1000


def test_adaptive_estimates_start_from_the_difficulty_prior_and_follow_updates() -> None:
    sampler = CurriculumSampler(suite(per_level=1), mode="adaptive", prior_strength=2.0)

    assert [sampler.estimate(i) for i in ("easy-0", "medium-0", "hard-0")] == pytest.approx([0.8, 0.5, 0.2])
    sampler.update("hard-0", True)
    assert sampler.estimate("hard-0") == pytest.approx(1.4 / 3)


def test_adaptive_still_explores_other_tasks() -> None:
    sampler = CurriculumSampler(suite(), mode="adaptive", seed=0, exploration=0.3)
    for _ in range(30):
        sampler.update("medium-0", True)

    drawn = Counter(t.id for _ in range(1000) for t in sampler.sample(1, 0.0))

    assert drawn["medium-0"] > 0


def test_updating_an_unknown_task_is_an_error() -> None:
    with pytest.raises(KeyError, match="'nope' is not in this curriculum"):
        CurriculumSampler(suite()).update("nope", True)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"mode": "random"}, "unknown curriculum mode 'random'"),
        ({"target": 1.5}, "target 1.5 must be between 0 and 1"),
        ({"floor": 0.5}, "floor 0.5 must be between 0 and 1/3"),
    ],
)
def test_bad_settings_are_rejected(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        CurriculumSampler(suite(), **kwargs)


def test_progress_outside_zero_to_one_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"progress 1\.2 must be between 0 and 1"):
        CurriculumSampler(suite()).sample(1, 1.2)
