"""The course's grading scale: percentage scores to letter grades and grade points.

Scores run from 0 to 100 and may be fractional. Each letter covers its lower bound and
everything up to the next letter's bound: 90 and above is an A, 80 up to 90 a B, 70 up to
80 a C, 60 up to 70 a D, and anything below 60 an F.
"""

from __future__ import annotations

from collections.abc import Iterable

_SCALE = [
    (90.0, "A"),
    (80.0, "B"),
    (70.0, "C"),
    (60.0, "D"),
    (0.0, "F"),
]
_GRADE_POINTS = {"A": 4.0, "B": 3.0, "C": 2.0, "D": 1.0, "F": 0.0}


def letter_grade(score: float) -> str:
    """Return the letter for a percentage `score`, e.g. 85 -> "B".

    Raises ValueError for scores outside 0..100.
    """
    if not 0 <= score <= 100:
        raise ValueError(f"score {score} is outside 0..100")
    for lower_bound, letter in _SCALE:
        if score >= lower_bound:
            return letter
    raise AssertionError("unreachable: the scale starts at 0")


def grade_point_average(scores: Iterable[float]) -> float:
    """The mean grade point of `scores`, rounded to two places. Raises ValueError if empty."""
    points = [_GRADE_POINTS[letter_grade(score)] for score in scores]
    if not points:
        raise ValueError("no scores to average")
    return round(sum(points) / len(points), 2)
