"""Descriptive statistics over lists of numbers."""

import math


def mean(values: list[float]) -> float:
    """The arithmetic mean; raises ValueError for no values."""
    if not values:
        raise ValueError("mean of no values")
    return sum(values) / len(values)


def median(values: list[float]) -> float:
    """The middle value; the mean of the two middle values for an even count."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2 == 1:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def variance(values: list[float], sample: bool = True) -> float:
    """The sample variance (n - 1 in the denominator), or the population variance."""
    count = len(values)
    if count < 2 and sample:
        raise ValueError("sample variance needs at least two values")
    centre = mean(values)
    squares = sum((value - centre) ** 2 for value in values)
    return squares / (count - 1 if sample else count)


def stdev(values: list[float], sample: bool = True) -> float:
    """The square root of `variance`."""
    return math.sqrt(variance(values, sample))


def percentile(values: list[float], rank: float) -> float:
    """The `rank`-th percentile (0-100), interpolating linearly between neighbours."""
    if not 0 <= rank <= 100:
        raise ValueError(f"rank {rank} is outside 0-100")
    ordered = sorted(values)
    position = (len(ordered) - 1) * rank / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    weight = position - low
    return ordered[low] * (1 - weight) + ordered[high] * weight


def histogram(values: list[float], bins: int, low: float, high: float) -> list[int]:
    """Counts of `values` in `bins` equal bins over [low, high); values outside are ignored."""
    counts = [0] * bins
    width = (high - low) / bins
    for value in values:
        if value < low or value >= high:
            continue
        index = int((value - low) // width)
        counts[index] += 1
    return counts
