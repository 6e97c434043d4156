"""Expand a rule into the dates it produces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from recur.months import add_months
from recur.rules import Rule


def _nth(start: date, rule: Rule, n: int) -> date:
    """The `n`-th occurrence (0 is `start`), always counted from `start` itself so that a
    day clamped in a short month does not carry over to later months."""
    steps = n * rule.interval
    if rule.freq == "daily":
        return start + timedelta(days=steps)
    if rule.freq == "weekly":
        return start + timedelta(weeks=steps)
    if rule.freq == "monthly":
        return add_months(start, steps)
    return add_months(start, 12 * steps)


def occurrences(rule: Rule, start: date) -> Iterator[date]:
    """Every date `rule` produces from `start` (the first occurrence), in order.

    Monthly and yearly rules stay on the start's day of the month: a rule starting on
    January 31 falls on the last day of shorter months (February 29, April 30, ...) and on
    the 31st in every month that has one.
    """
    produced = 0
    while rule.count is None or produced < rule.count:
        day = _nth(start, rule, produced)
        if rule.until is not None and day > rule.until:
            return
        yield day
        produced += 1
