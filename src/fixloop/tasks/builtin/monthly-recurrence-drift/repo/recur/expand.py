"""Expand a rule into the dates it produces."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta

from recur.months import add_months
from recur.rules import Rule


def _step(day: date, rule: Rule) -> date:
    if rule.freq == "daily":
        return day + timedelta(days=rule.interval)
    if rule.freq == "weekly":
        return day + timedelta(weeks=rule.interval)
    if rule.freq == "monthly":
        return add_months(day, rule.interval)
    return add_months(day, 12 * rule.interval)


def occurrences(rule: Rule, start: date) -> Iterator[date]:
    """Every date `rule` produces from `start` (the first occurrence), in order.

    Monthly and yearly rules stay on the start's day of the month: a rule starting on
    January 31 falls on the last day of shorter months (February 29, April 30, ...) and on
    the 31st in every month that has one.
    """
    day = start
    produced = 0
    while rule.count is None or produced < rule.count:
        if rule.until is not None and day > rule.until:
            return
        yield day
        produced += 1
        day = _step(day, rule)
