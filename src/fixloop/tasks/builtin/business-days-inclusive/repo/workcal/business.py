"""Working-day arithmetic for payroll and delivery estimates."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from workcal.dates import ONE_DAY, date_range, is_weekend


def business_days(start: date, end: date, holidays: Iterable[date] = ()) -> int:
    """Count working days from `start` to `end`, both included.

    Weekends and the given holidays are not working days; a Monday-to-Friday week counts 5.
    Raises ValueError if `end` is before `start`.
    """
    if end < start:
        raise ValueError("end is before start")
    days_off = set(holidays)
    return sum(
        1 for day in date_range(start, end) if not is_weekend(day) and day not in days_off
    )


def add_business_days(start: date, count: int, holidays: Iterable[date] = ()) -> date:
    """The date `count` working days after `start` (`start` itself is not counted).

    Raises ValueError for a negative `count`.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    days_off = set(holidays)
    day = start
    while count:
        day += ONE_DAY
        if not is_weekend(day) and day not in days_off:
            count -= 1
    return day
