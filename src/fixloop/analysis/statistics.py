"""Small-sample statistics for comparing agents: confidence intervals, pass@k and paired tests.

Standard library only. Every interval is two-sided; `confidence` is its coverage, e.g. 0.95.
"""

from __future__ import annotations

import math
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a two-sided confidence interval, `low <= value <= high`.

    `n` is the sample size behind it. When the sample cannot support an interval (a mean of
    fewer than two values, or differences that are all equal) the interval is the point:
    `low == high == value`.
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

    A single value gives the degenerate interval `low == high == value`. Raises ValueError
    when `values` is empty or `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    n = len(values)
    if n == 0:
        raise ValueError("mean_ci needs at least one value")
    mean = statistics.fmean(values)
    if n < 2:
        return Estimate(mean, mean, mean, n)
    half_width = _t_quantile(1 - (1 - confidence) / 2, n - 1) * statistics.stdev(values) / math.sqrt(n)
    return Estimate(mean, mean - half_width, mean + half_width, n)


def proportion_ci(successes: int, n: int, confidence: float = 0.95) -> Estimate:
    """Proportion `successes / n` with a Wilson score interval.

    Wilson stays inside [0, 1] and keeps its coverage near 0 and 1, where resolve rates of
    small task sets often sit; it is a real interval even for `n == 1`. Raises ValueError when
    `n < 1`, `successes` is outside [0, n], or `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    if n < 1:
        raise ValueError(f"proportion_ci needs at least one trial, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    z = statistics.NormalDist().inv_cdf(1 - (1 - confidence) / 2)
    p = successes / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half_width = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    # At p = 0 or 1 the matching bound is exactly 0 or 1; rounding would leave it a hair off.
    low = 0.0 if successes == 0 else center - half_width
    high = 1.0 if successes == n else center + half_width
    return Estimate(p, low, high, n)


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
    resamples: int = 10_000,
    seed: int = 0,
) -> Estimate:
    """mean(a) - mean(b) with a paired percentile-bootstrap interval; `a[i]`, `b[i]` share a task.

    Resamples the per-task differences with `random.Random(seed)`, so equal inputs and seed
    give equal results. Differences that are all equal give `low == high == value`. Raises
    ValueError when the sequences are empty or of unequal length, `resamples < 1`, or
    `confidence` is not in (0, 1).
    """
    _check_probability("confidence", confidence)
    if len(a) != len(b):
        raise ValueError(f"paired samples must have equal length, got {len(a)} and {len(b)}")
    if not a:
        raise ValueError("bootstrap_paired_difference needs at least one pair")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, got {resamples}")
    differences = [x - y for x, y in zip(a, b, strict=True)]
    n = len(differences)
    value = statistics.fmean(differences)
    if all(difference == differences[0] for difference in differences):
        return Estimate(value, value, value, n)
    rng = random.Random(seed)
    means = sorted(sum(rng.choices(differences, k=n)) / n for _ in range(resamples))
    tail = (1 - confidence) / 2
    return Estimate(value, _percentile(means, tail), _percentile(means, 1 - tail), n)


def mcnemar_exact(a_only: int, b_only: int) -> float:
    """Two-sided exact McNemar p-value from the discordant pair counts.

    The binomial test of `a_only` successes in `a_only + b_only` trials at p = 0.5:
    min(1, 2 * P(X ≤ min(a_only, b_only))), in exact integer arithmetic. 1.0 when there are no
    discordant pairs. Raises ValueError for negative counts.
    """
    if a_only < 0 or b_only < 0:
        raise ValueError(f"discordant counts must be non-negative, got {a_only} and {b_only}")
    trials = a_only + b_only
    if trials == 0:
        return 1.0
    tail = sum(math.comb(trials, i) for i in range(min(a_only, b_only) + 1))
    # int / int rounds correctly however large the integers get.
    return min(1.0, 2 * tail / 2**trials)


def paired_resolve_test(
    a: Sequence[bool],
    b: Sequence[bool],
    *,
    seed: int = 0,
    resamples: int = 10_000,
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


def _percentile(sorted_values: Sequence[float], q: float) -> float:
    # Linear interpolation between closest ranks, as numpy's default does.
    position = q * (len(sorted_values) - 1)
    below = math.floor(position)
    above = min(below + 1, len(sorted_values) - 1)
    fraction = position - below
    return sorted_values[below] + fraction * (sorted_values[above] - sorted_values[below])


def _t_quantile(p: float, df: int) -> float:
    """The t such that P(T <= t) = p for Student's t with `df` degrees of freedom, p in [0.5, 1)."""
    upper_tail = 1 - p
    low, high = 0.0, 1.0
    while _t_upper_tail(high, df) > upper_tail:
        low, high = high, 2 * high
    # Bisection to float resolution: the tail is monotone in t, so this cannot miss.
    while high - low > 1e-13 * high:
        middle = (low + high) / 2
        if _t_upper_tail(middle, df) > upper_tail:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def _t_upper_tail(t: float, df: int) -> float:
    # P(T > t) for t >= 0, via the regularized incomplete beta function.
    return 0.5 * _regularized_incomplete_beta(df / 2, 0.5, df / (df + t * t))


def _regularized_incomplete_beta(a: float, b: float, x: float) -> float:
    # I_x(a, b), Numerical Recipes §6.4: the continued fraction converges fast on the side of
    # the mean a / (a + b), so use the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) on the other.
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x)
    front = math.exp(log_front)
    if x < (a + 1) / (a + b + 2):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1 - front * _beta_continued_fraction(b, a, 1 - x) / b


_MAX_FRACTION_TERMS = 100_000
_FRACTION_EPSILON = 1e-15
_TINY = 1e-300


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    # Modified Lentz evaluation of the incomplete beta continued fraction.
    c = 1.0
    d = 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, _MAX_FRACTION_TERMS + 1):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > _TINY else _TINY)
            c = 1 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            step = d * c
            result *= step
        if abs(step - 1) < _FRACTION_EPSILON:
            return result
    raise ArithmeticError(f"incomplete beta continued fraction did not converge for a={a}, b={b}, x={x}")
