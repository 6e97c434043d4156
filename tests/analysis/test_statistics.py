"""fixloop.analysis.statistics, checked against scipy and against the definitions themselves."""

from __future__ import annotations

import math
import random
import statistics
from itertools import combinations

import numpy as np
import pytest
from scipy import stats

from fixloop.analysis.statistics import (
    Estimate,
    PairedTest,
    bootstrap_paired_difference,
    bounded_mean_ci,
    consistency,
    mcnemar_exact,
    mean_ci,
    paired_resolve_test,
    pass_at_k,
    proportion_ci,
)


def test_estimate_prints_value_and_interval_to_two_decimals() -> None:
    assert str(Estimate(0.6234, 0.4812, 0.7498, 40)) == "0.62 [0.48, 0.75]"


# mean_ci


@pytest.mark.parametrize(
    ("values", "confidence"),
    [
        ([0.0, 1.0], 0.95),
        ([0.0, 1.0], 0.99),
        ([2.0, 4.0, 4.0, 5.0], 0.95),
        ([0.1, 0.5, 0.9, 0.3, 0.7, 0.2], 0.90),
        ([float(i % 7) for i in range(30)], 0.95),
        ([float(i % 11) for i in range(200)], 0.999),
    ],
)
def test_mean_ci_is_the_student_t_interval(values: list[float], confidence: float) -> None:
    n = len(values)
    mean = statistics.fmean(values)
    half_width = stats.t.ppf(1 - (1 - confidence) / 2, n - 1) * statistics.stdev(values) / math.sqrt(n)

    estimate = mean_ci(values, confidence)

    assert estimate.value == pytest.approx(mean, abs=1e-12)
    assert estimate.low == pytest.approx(mean - half_width, abs=1e-6)
    assert estimate.high == pytest.approx(mean + half_width, abs=1e-6)
    assert estimate.n == n


def test_mean_ci_of_one_value_is_a_point() -> None:
    assert mean_ci([0.7]) == Estimate(0.7, 0.7, 0.7, 1)


def test_mean_ci_of_equal_values_is_a_point() -> None:
    assert mean_ci([3.0, 3.0, 3.0]) == Estimate(3.0, 3.0, 3.0, 3)


def test_mean_ci_rejects_empty_input() -> None:
    with pytest.raises(ValueError, match="at least one value"):
        mean_ci([])


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 1.5])
def test_mean_ci_rejects_confidence_outside_the_open_unit_interval(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        mean_ci([1.0, 2.0], confidence)


# bounded_mean_ci


@pytest.mark.parametrize(
    "values",
    [[0.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 1.0], [0.0, 0.2], [1.0, 0.9, 1.0], [0.0] * 9 + [1.0]],
)
@pytest.mark.parametrize("confidence", [0.9, 0.95, 0.99])
def test_bounded_mean_ci_stays_inside_zero_and_one_on_small_samples(
    values: list[float], confidence: float
) -> None:
    estimate = bounded_mean_ci(values, confidence)

    assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 1.0
    assert estimate.value == pytest.approx(statistics.fmean(values), abs=1e-12)


def test_bounded_mean_ci_of_scores_where_student_t_reaches_below_zero() -> None:
    scores = [0.0, 0.0, 1.0]
    t_low, _ = stats.t.interval(0.95, 2, loc=statistics.fmean(scores), scale=stats.sem(scores))

    estimate = bounded_mean_ci(scores)

    assert t_low < -1.0
    assert (estimate.low, estimate.high) == (0.0, 1.0)


def test_bounded_mean_ci_agrees_with_student_t_on_a_large_sample() -> None:
    rng = random.Random(4)
    values = [rng.random() for _ in range(400)]
    t_low, t_high = stats.t.interval(0.95, 399, loc=statistics.fmean(values), scale=stats.sem(values))

    estimate = bounded_mean_ci(values)

    assert estimate.low == pytest.approx(t_low, abs=0.005)
    assert estimate.high == pytest.approx(t_high, abs=0.005)


def test_bounded_mean_ci_is_the_scipy_percentile_bootstrap() -> None:
    values = [0.0, 0.25, 0.5, 1.0, 1.0, 0.75]
    reference = stats.bootstrap(
        (values,), np.mean, n_resamples=2_000, method="percentile", rng=np.random.default_rng(9)
    ).confidence_interval

    estimate = bounded_mean_ci(values, resamples=2_000, seed=9)

    assert (estimate.low, estimate.high) == pytest.approx((reference.low, reference.high), abs=1e-12)


def test_bounded_mean_ci_is_deterministic_for_a_seed() -> None:
    values = [0.1, 0.9, 0.4, 0.4, 0.0]

    assert bounded_mean_ci(values, seed=3) == bounded_mean_ci(values, seed=3)


@pytest.mark.parametrize("values", [[0.6], [0.6, 0.6, 0.6]])
def test_bounded_mean_ci_of_equal_values_is_a_point(values: list[float]) -> None:
    assert bounded_mean_ci(values) == Estimate(0.6, 0.6, 0.6, len(values))


@pytest.mark.parametrize("values", [[], [0.5, 1.5], [-0.1, 0.5]])
def test_bounded_mean_ci_rejects_empty_input_and_values_outside_zero_and_one(values: list[float]) -> None:
    with pytest.raises(ValueError):
        bounded_mean_ci(values)


# proportion_ci


def test_proportion_ci_is_the_wilson_score_interval() -> None:
    successes, n = 8, 10
    z = statistics.NormalDist().inv_cdf(0.975)
    p = successes / n
    center = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half_width = z / (1 + z**2 / n) * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))

    estimate = proportion_ci(successes, n)

    assert estimate.value == 0.8
    assert estimate.low == pytest.approx(center - half_width, abs=1e-12)
    assert estimate.high == pytest.approx(center + half_width, abs=1e-12)
    assert (estimate.low, estimate.high) == pytest.approx((0.4902, 0.9433), abs=1e-4)


def test_proportion_ci_stays_inside_zero_and_one_at_the_extremes() -> None:
    none_resolved = proportion_ci(0, 5)
    all_resolved = proportion_ci(5, 5)

    assert none_resolved.low == 0.0
    assert 0.0 < none_resolved.high < 1.0
    assert all_resolved.high == 1.0
    assert 0.0 < all_resolved.low < 1.0


@pytest.mark.parametrize(
    ("successes", "n", "confidence", "low", "high"),
    [
        # The closed-form Wilson bounds, computed apart from scipy; 0 of 1 gives z^2 / (1 + z^2) above.
        (0, 1, 0.95, 0.0, 0.7934507),
        (1, 3, 0.95, 0.0614919, 0.7923404),
        (3, 20, 0.90, 0.0615824, 0.3218281),
    ],
)
def test_proportion_ci_matches_reference_wilson_intervals(
    successes: int, n: int, confidence: float, low: float, high: float
) -> None:
    estimate = proportion_ci(successes, n, confidence)

    assert (estimate.low, estimate.high) == pytest.approx((low, high), abs=1e-6)


@pytest.mark.parametrize(("successes", "n"), [(-1, 5), (6, 5), (0, 0)])
def test_proportion_ci_rejects_impossible_counts(successes: int, n: int) -> None:
    with pytest.raises(ValueError):
        proportion_ci(successes, n)


# consistency


def test_consistency_is_one_minus_sample_std_over_mean() -> None:
    assert consistency([1.0, 2.0, 3.0]) == pytest.approx(0.5)


@pytest.mark.parametrize("values", [[0.4, 0.4, 0.4], [0.0, 0.0, 0.0], [0.9]])
def test_consistency_is_one_when_every_value_is_equal(values: list[float]) -> None:
    assert consistency(values) == 1.0


def test_consistency_is_clamped_at_zero_when_spread_exceeds_the_mean() -> None:
    assert consistency([0.0, 0.0, 10.0]) == 0.0


def test_consistency_rejects_negative_scores() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        consistency([1.0, -1.0])


def test_consistency_rejects_empty_input() -> None:
    with pytest.raises(ValueError):
        consistency([])


# pass_at_k


def _pass_at_k_by_enumeration(n: int, c: int, k: int) -> float:
    # Samples 0..c-1 are the correct ones; count the k-subsets holding at least one of them.
    subsets = list(combinations(range(n), k))
    return sum(1 for subset in subsets if min(subset) < c) / len(subsets)


def test_pass_at_k_matches_enumerating_every_k_subset() -> None:
    for n in range(1, 8):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k(n, c, k) == pytest.approx(_pass_at_k_by_enumeration(n, c, k), abs=1e-12)


@pytest.mark.parametrize(
    ("n", "c", "k", "expected"),
    [(10, 1, 1, 0.1), (10, 0, 5, 0.0), (10, 8, 3, 1.0), (5, 5, 1, 1.0), (10, 3, 2, 1 - 21 / 45)],
)
def test_pass_at_k_known_values(n: int, c: int, k: int, expected: float) -> None:
    assert pass_at_k(n, c, k) == pytest.approx(expected, abs=1e-12)


def test_pass_at_k_stays_accurate_for_large_n() -> None:
    n, c, k = 2000, 37, 100
    exact = 1 - math.comb(n - c, k) / math.comb(n, k)

    assert pass_at_k(n, c, k) == pytest.approx(exact, rel=1e-12)


@pytest.mark.parametrize(("n", "c", "k"), [(5, 1, 6), (5, 6, 1), (-1, 0, 1), (5, -1, 1), (5, 1, 0)])
def test_pass_at_k_rejects_impossible_arguments(n: int, c: int, k: int) -> None:
    with pytest.raises(ValueError):
        pass_at_k(n, c, k)


# bootstrap_paired_difference


def _noisy_pair(size: int, shift: float, seed: int) -> tuple[list[float], list[float]]:
    rng = random.Random(seed)
    b = [rng.random() for _ in range(size)]
    a = [value + shift + rng.gauss(0, 0.05) for value in b]
    return a, b


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    a, b = _noisy_pair(50, 0.1, seed=3)

    assert bootstrap_paired_difference(a, b, seed=7) == bootstrap_paired_difference(a, b, seed=7)


def test_bootstrap_value_is_the_difference_of_means() -> None:
    a, b = _noisy_pair(50, 0.1, seed=3)

    estimate = bootstrap_paired_difference(a, b)

    assert estimate.value == pytest.approx(statistics.fmean(a) - statistics.fmean(b), abs=1e-12)
    assert estimate.n == 50


def test_bootstrap_interval_contains_the_true_difference_in_a_clear_case() -> None:
    a, b = _noisy_pair(100, 0.5, seed=11)

    estimate = bootstrap_paired_difference(a, b)

    assert estimate.low < 0.5 < estimate.high
    assert estimate.low > 0.0


def test_bootstrap_interval_widens_with_confidence() -> None:
    a, b = _noisy_pair(40, 0.1, seed=5)

    narrow = bootstrap_paired_difference(a, b, confidence=0.8)
    wide = bootstrap_paired_difference(a, b, confidence=0.99)

    assert wide.low < narrow.low < narrow.high < wide.high


def test_bootstrap_is_a_point_when_every_difference_is_equal() -> None:
    estimate = bootstrap_paired_difference([1.0, 2.0, 3.0], [0.5, 1.5, 2.5])

    assert estimate == Estimate(0.5, 0.5, 0.5, 3)


def test_bootstrap_of_score_differences_stays_inside_minus_one_and_one() -> None:
    estimate = bootstrap_paired_difference([1.0, 1.0, 0.0], [0.0, 0.0, 1.0])

    assert -1.0 <= estimate.low <= estimate.value <= estimate.high <= 1.0


def test_bootstrap_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="equal length"):
        bootstrap_paired_difference([1.0, 2.0], [1.0])


def test_bootstrap_rejects_empty_input() -> None:
    with pytest.raises(ValueError):
        bootstrap_paired_difference([], [])


# mcnemar_exact


@pytest.mark.parametrize(
    ("a_only", "b_only"),
    [(1, 0), (3, 3), (5, 6), (10, 0), (0, 10), (3, 12), (12, 3), (20, 40), (1, 59), (30, 30), (0, 60)],
)
def test_mcnemar_exact_is_the_two_sided_binomial_test(a_only: int, b_only: int) -> None:
    expected = stats.binomtest(a_only, a_only + b_only, 0.5).pvalue

    assert mcnemar_exact(a_only, b_only) == pytest.approx(expected, rel=1e-12)


def test_mcnemar_exact_is_one_without_discordant_pairs() -> None:
    assert mcnemar_exact(0, 0) == 1.0


def test_mcnemar_exact_rejects_negative_counts() -> None:
    with pytest.raises(ValueError):
        mcnemar_exact(-1, 3)


# paired_resolve_test and PairedTest.verdict


def test_paired_resolve_test_counts_the_four_outcome_pairs() -> None:
    a = [True, True, False, False, True]
    b = [True, False, True, False, False]

    result = paired_resolve_test(a, b)

    assert (result.n_pairs, result.both, result.a_only, result.b_only, result.neither) == (5, 1, 2, 1, 1)
    assert result.p_value == mcnemar_exact(2, 1)
    assert result.difference.value == pytest.approx(0.2)


def test_a_clear_win_for_a_is_reported_as_a_beating_b() -> None:
    result = paired_resolve_test([True] * 20, [False] * 20)

    assert result.verdict() == "A beats B"


def test_a_clear_win_for_b_uses_the_given_names() -> None:
    a = [False] * 20 + [True] * 10
    b = [True] * 20 + [True] * 10

    assert paired_resolve_test(a, b).verdict(a_name="new", b_name="old") == "old beats new"


def test_balanced_discordance_is_no_significant_difference() -> None:
    a = [True] * 10 + [False] * 10 + [True] * 5
    b = [False] * 10 + [True] * 10 + [True] * 5

    assert paired_resolve_test(a, b).verdict() == "no significant difference"


def test_a_small_p_value_alone_is_not_a_win_when_the_interval_crosses_zero() -> None:
    result = PairedTest(
        n_pairs=50,
        a_only=8,
        b_only=1,
        both=20,
        neither=21,
        p_value=0.04,
        difference=Estimate(0.14, -0.01, 0.28, 50),
    )

    assert result.verdict() == "no significant difference"


def test_paired_resolve_test_rejects_unequal_lengths() -> None:
    with pytest.raises(ValueError, match="equal length"):
        paired_resolve_test([True, False], [True])
