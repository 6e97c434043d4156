"""Day-level helpers shared by the booking and payroll code."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

ONE_DAY = timedelta(days=1)


def date_range(start: date, end: date) -> Iterator[date]:
    """Yield each day from `start` up to but not including `end`, like `range()`.

    Yields nothing when `end` is not after `start`.
    """
    day = start
    while day < end:
        yield day
        day += ONE_DAY


def is_weekend(day: date) -> bool:
    """True for Saturdays and Sundays."""
    return day.weekday() >= 5


def nights_between(check_in: date, check_out: date) -> int:
    """Hotel nights of a stay: one for each date from check-in up to the check-out date.

    Raises ValueError if `check_out` is before `check_in`.
    """
    if check_out < check_in:
        raise ValueError("check-out is before check-in")
    return sum(1 for _ in date_range(check_in, check_out))
