"""Leap years and month lengths in the Gregorian calendar."""

from __future__ import annotations

_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_leap_year(year: int) -> bool:
    """True if `year` is a leap year.

    Years divisible by 4 are leap years, except years divisible by 100, which are leap
    years only when they are also divisible by 400 (so 2000 was, and 1900 was not).
    """
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_year(year: int) -> int:
    """366 in a leap year, 365 otherwise."""
    return 366 if is_leap_year(year) else 365


def days_in_month(year: int, month: int) -> int:
    """The number of days in `month` (1-12) of `year`. Raises ValueError for a bad month."""
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} is not between 1 and 12")
    if month == 2 and is_leap_year(year):
        return 29
    return _MONTH_DAYS[month - 1]


def day_of_year(year: int, month: int, day: int) -> int:
    """The 1-based ordinal of a date within its year, e.g. (2023, 2, 1) -> 32.

    Raises ValueError if the date does not exist.
    """
    if not 1 <= day <= days_in_month(year, month):
        raise ValueError(f"{year}-{month:02d}-{day:02d} is not a date")
    return sum(days_in_month(year, m) for m in range(1, month)) + day
