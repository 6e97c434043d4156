"""Critic metrics on constructed scores whose answers are known."""

import pytest

from fixloop.improve.critic.metrics import PhiPair, evaluate, pairs_along

TRUTH = [5.0, 5.0, 2.5, 7.5, 10.0]


def run(critic, truth=TRUTH):
    return evaluate(pairs_along(critic, truth), critic="test", simulated=True)


def test_a_perfect_critic_ranks_perfectly_with_no_error_and_no_sycophancy():
    evaluation = run(TRUTH)
    assert evaluation.spearman == pytest.approx(1.0)
    assert evaluation.mae == 0.0
    assert evaluation.sycophancy_rate == 0.0


def test_an_anti_correlated_critic_ranks_minus_one():
    evaluation = run([10 - t for t in TRUTH])
    assert evaluation.spearman == pytest.approx(-1.0)
    assert evaluation.mae == pytest.approx(sum(abs(10 - 2 * t) for t in TRUTH) / len(TRUTH))


def test_a_rise_while_the_truth_falls_is_sycophantic():
    # steps 2-5 have changes; at step 3 the truth falls 5 -> 2.5 while the critic rises 5 -> 6
    evaluation = run([5.0, 5.0, 6.0, 7.5, 10.0])
    assert evaluation.sycophantic_steps == 1
    assert evaluation.sycophancy_rate == pytest.approx(1 / 4)


def test_a_constant_critic_has_no_rank_correlation_and_says_why():
    evaluation = run([5.0] * len(TRUTH))
    assert evaluation.spearman is None
    assert evaluation.spearman_note == "the critic's scores are constant"


def test_a_constant_truth_has_no_rank_correlation():
    evaluation = run([1.0, 2.0, 3.0], truth=[4.0, 4.0, 4.0])
    assert (evaluation.spearman, evaluation.spearman_note) == (None, "the ground truth is constant")


def test_one_step_has_no_rank_correlation_and_no_changes():
    evaluation = run([3.0], truth=[4.0])
    assert evaluation.spearman is None
    assert evaluation.sycophancy_rate is None
    assert evaluation.mae == 1.0


def test_the_calibration_table_bins_the_truth_in_steps_of_two():
    pairs = [
        PhiPair(critic=1.0, truth=0.0),
        PhiPair(critic=3.0, truth=1.0),
        PhiPair(critic=4.0, truth=5.0),
        PhiPair(critic=9.0, truth=8.0),
        PhiPair(critic=8.0, truth=10.0),
    ]
    table = evaluate(pairs, critic="test", simulated=False).calibration
    assert [(b.low, b.high, b.count, b.mean_critic, b.mean_truth) for b in table] == [
        (0.0, 2.0, 2, 2.0, 0.5),
        (2.0, 4.0, 0, None, None),
        (4.0, 6.0, 1, 4.0, 5.0),
        (6.0, 8.0, 0, None, None),
        (8.0, 10.0, 2, 8.5, 9.0),
    ]


def test_the_evaluation_keeps_the_simulated_label():
    assert run(TRUTH).simulated is True
    assert '"simulated":true' in run(TRUTH).model_dump_json()


def test_pairs_along_refuses_sequences_of_different_lengths():
    with pytest.raises(ValueError, match="2 critic scores for 3"):
        pairs_along([1.0, 2.0], [1.0, 2.0, 3.0])
