"""Small-sample statistics for comparing agents: confidence intervals, pass@k and paired tests.

Built on `scipy.stats`. Every interval is two-sided; `confidence` is its coverage, e.g. 0.95,
and must lie strictly between 0 and 1. Which interval fits which quantity:

- a **proportion** (resolve rate: successes out of trials): `proportion_ci`, the Wilson
  score interval; always inside [0, 1].
- the **mean of values in [0, 1]** (scores, reliability): `bounded_mean_ci`, a percentile
  bootstrap; always inside [min(values), max(values)], hence inside [0, 1]. A Student-t
  interval would reach below 0 on small samples (scores [0, 0, 1] give [-1.10, 1.77]).
- the **mean of an unbounded quantity** (steps, tokens): `mean_ci`, the Student-t interval.
- a **paired difference** of two agents on the same tasks: `bootstrap_paired_difference` for
  the mean difference, `mcnemar_exact` for resolved versus unresolved, and
  `paired_resolve_test` for both at once, with `PairedTest.verdict` deciding.

Every bootstrap takes a `seed` and draws from `numpy.random.default_rng(seed)`: equal inputs
and seed give equal results, so stored analyses are reproducible.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

DEFAULT_RESAMPLES = 10_000
"""Bootstrap resamples unless a caller asks for another number."""

_BATCH = 1_000
"""Resamples drawn at once, so memory stays at about `_BATCH` x sample size floats."""


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a two-sided confidence interval, `low <= value <= high`.

    `value` is the sample statistic itself (a mean, a proportion, a difference of means) and
    `n` the sample size behind it. When the sample cannot support an interval (values, or
    paired differences, that are all equal, a single one included) the interval is the
    point: `low == high == value`. Which function gives which interval: see the module.
    """

    value: float
    low: float
    high: float
    n: int

    def __str__(self) -> str:
        return f"{self.value:.2f} [{self.low:.2f}, {self.high:.2f}]"


@dataclass(frozen=True)
class PairedTest:
    """Two agents run on the same tasks: how their outcomes split, and whether one is better.

    `a_only` counts tasks only A resolved, `b_only` tasks only B resolved; `p_value` is the
    exact McNemar test on those discordant pairs. `difference` is A's resolve rate minus B's,
    with a paired bootstrap interval.
    """

    n_pairs: int
    a_only: int
    b_only: int
    both: int
    neither: int
    p_value: float
    difference: Estimate

    def verdict(self, alpha: float = 0.05, a_name: str = "A", b_name: str = "B") -> str:
        """Say which agent is better, or that the data cannot tell.

        Returns "<a_name> beats <b_name>" (or the reverse) only when `p_value < alpha` and the
        difference's interval lies entirely on that agent's side of zero; otherwise
        "no significant difference". Raises ValueError when `alpha` is not in (0, 1).
        """
        _check_probability("alpha", alpha)
        if self.p_value < alpha and self.difference.low > 0:
            return f"{a_name} beats {b_name}"
        if self.p_value < alpha and self.difference.high < 0:
            return f"{b_name} beats {a_name}"
        return "no significant difference"


def mean_ci(values: Sequence[float], confidence: float = 0.95) -> Estimate:
    """Mean of `values` with a Student-t confidence interval (sample standard deviation).

    For quantities without bounds, such as step counts; the interval is symmetric and may
    cross any bound the values have, so for scores or rates in [0, 1] use `bounded_mean_ci`
    or `proportion_ci`. A single value, or values that are all equal, give the degenerate
    interval `low == high == value`. Raises ValueError when `values` is empty or
    `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    n = len(values)
    if n == 0:
        raise ValueError("mean_ci needs at least one value")
    mean = math.fsum(values) / n
    if _all_equal(values):
        return Estimate(mean, mean, mean, n)
    scale = float(np.std(values, ddof=1)) / math.sqrt(n)
    low, high = stats.t.interval(confidence, n - 1, loc=mean, scale=scale)
    return Estimate(mean, float(low), float(high), n)


def bounded_mean_ci(
    values: Sequence[float],
    confidence: float = 0.95,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """Mean of `values`, each in [0, 1], with a percentile-bootstrap interval inside [0, 1].

    For scores and other fractions: the bounds are percentiles of resampled means, so they
    never leave [min(values), max(values)]; on small samples the interval is honestly wide
    (scores [0, 0, 1] give [0, 1] at 95%). Values that are all equal (one value included) give
    `low == high == value`. Deterministic for a `seed`. Raises ValueError when `values` is
    empty, holds a value outside [0, 1], `resamples < 1`, or `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    if not values:
        raise ValueError("bounded_mean_ci needs at least one value")
    outside = [v for v in values if not 0.0 <= v <= 1.0]
    if outside:
        raise ValueError(f"bounded_mean_ci takes values in [0, 1], got {outside[0]}; use mean_ci for others")
    return _bootstrap_mean(values, confidence, resamples, seed)


def proportion_ci(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """Proportion `successes / n` with a Wilson score interval.

    Wilson stays inside [0, 1] and keeps its coverage near 0 and 1, where resolve rates of
    small task sets often sit; it is a real interval even for `n == 1`, and its bound is
    exactly 0 (or 1) when no (or every) trial succeeded. Raises ValueError when `n < 1`,
    `successes` is outside [0, n], or `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    if n < 1:
        raise ValueError(f"proportion_ci needs at least one trial, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    interval = stats.binomtest(successes, n).proportion_ci(confidence_level=confidence, method="wilson")
    return Estimate(successes / n, float(interval.low), float(interval.high), n)


def consistency(values: Sequence[float]) -> float:
    """How steady non-negative scores are across repeats: 1 - stdev/mean, clamped to [0, 1].

    Uses the sample standard deviation (n - 1). 1.0 means every value is equal (all zeros
    included); a single value counts as perfectly consistent. Meant for non-negative scores
    such as resolve rates or rewards. Raises ValueError when `values` is empty or holds a
    negative value.
    """
    if not values:
        raise ValueError("consistency needs at least one value")
    if any(value < 0 for value in values):
        raise ValueError("consistency is defined for non-negative scores; shift or rescale them first")
    if len(values) < 2 or all(value == values[0] for value in values):
        return 1.0
    # Non-negative values that are not all equal have a positive mean.
    return min(1.0, max(0.0, 1 - statistics.stdev(values) / statistics.fmean(values)))


def pass_at_k(n: int, c: int, k: int) -> float:
    """Unbiased pass@k (Chen et al. 2021): chance that k of n samples, c correct, include one.

    Equals 1 - C(n-c, k) / C(n, k), computed as a product so large n stays stable. Raises
    ValueError when any argument is negative, `k < 1`, `k > n` or `c > n`.
    """
    if n < 0 or c < 0 or k < 0:
        raise ValueError(f"pass_at_k takes non-negative counts, got n={n}, c={c}, k={k}")
    if k < 1:
        raise ValueError("pass_at_k needs k >= 1")
    if k > n or c > n:
        raise ValueError(f"pass_at_k needs k <= n and c <= n, got n={n}, c={c}, k={k}")
    if n - c < k:
        return 1.0
    miss_all = math.prod(1 - k / i for i in range(n - c + 1, n + 1))
    return 1.0 - miss_all


def bootstrap_paired_difference(
    a: Sequence[float],
    b: Sequence[float],
    *,
    confidence: float = 0.95,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> Estimate:
    """mean(a) - mean(b) with a paired percentile-bootstrap interval; `a[i]`, `b[i]` share a task.

    Resamples the per-task differences, so the interval stays inside their range (for scores
    in [0, 1], inside [-1, 1]). Deterministic for a `seed`. Differences that are all equal
    give `low == high == value`. Raises ValueError when the sequences are empty or of unequal
    length, `resamples < 1`, or `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    if len(a) != len(b):
        raise ValueError(f"paired samples must have equal length, got {len(a)} and {len(b)}")
    if not a:
        raise ValueError("bootstrap_paired_difference needs at least one pair")
    return _bootstrap_mean([x - y for x, y in zip(a, b, strict=True)], confidence, resamples, seed)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    The exact binomial test (`scipy.stats.binomtest`) of `a_only` successes in
    `a_only + b_only` trials at p = 0.5. 1.0 when there are no discordant pairs. Raises
    ValueError for negative counts.
    """
    if a_only < 0 or b_only < 0:
        raise ValueError(f"discordant counts must be non-negative, got {a_only} and {b_only}")
    trials = a_only + b_only
    if trials == 0:
        return 1.0
    return min(1.0, float(stats.binomtest(a_only, trials, 0.5).pvalue))


def paired_resolve_test(
    a: Sequence[bool],
    b: Sequence[bool],
    *,
    seed: int = 0,
    resamples: int = DEFAULT_RESAMPLES,
    confidence: float = 0.95,
) -> PairedTest:
    """Compare two agents' resolved/unresolved outcomes on the same tasks, `a[i]` vs `b[i]`.

    Counts the four outcome pairs, runs `mcnemar_exact` on the discordant ones and bootstraps
    the resolve-rate difference A - B. Raises ValueError when the sequences are empty or of
    unequal length, or as `bootstrap_paired_difference` does for its arguments.
    """
    if len(a) != len(b):
        raise ValueError(f"paired outcomes must have equal length, got {len(a)} and {len(b)}")
    if not a:
        raise ValueError("paired_resolve_test needs at least one pair")
    pairs = list(zip(a, b, strict=True))
    a_only = sum(1 for x, y in pairs if x and not y)
    b_only = sum(1 for x, y in pairs if y and not x)
    both = sum(1 for x, y in pairs if x and y)
    difference = bootstrap_paired_difference(
        [float(x) for x in a],
        [float(y) for y in b],
        confidence=confidence,
        resamples=resamples,
        seed=seed,
    )
    return PairedTest(
        n_pairs=len(pairs),
        a_only=a_only,
        b_only=b_only,
        both=both,
        neither=len(pairs) - a_only - b_only - both,
        p_value=mcnemar_exact(a_only, b_only),
        difference=difference,
    )


def _check_probability(name: str, value: float) -> None:
    if not 0 < value < 1:
        raise ValueError(f"{name} must be strictly between 0 and 1, got {value}")


def _all_equal(values: Sequence[float]) -> bool:
    return all(value == values[0] for value in values)


def _bootstrap_mean(values: Sequence[float], confidence: float, resamples: int, seed: int) -> Estimate:
    """The mean of `values` with a percentile-bootstrap interval; `values` is not empty."""
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    n = len(values)
    mean = math.fsum(values) / n
    if _all_equal(values):
        return Estimate(mean, mean, mean, n)
    result = stats.bootstrap(
        (np.asarray(values, dtype=float),),
        np.mean,
        n_resamples=resamples,
        batch=_BATCH,
        vectorized=True,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    # Percentiles of resampled means hold the sample mean in all but degenerate resamplings;
    # widening to it keeps Estimate's `low <= value <= high` unconditional.
    low, high = float(result.confidence_interval.low), float(result.confidence_interval.high)
    return Estimate(mean, min(low, mean), max(high, mean), n)
