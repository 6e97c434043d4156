"""Recurrence rules: "every 2 weeks", "monthly, 6 times", "daily until 2024-06-30"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

FREQUENCIES = ("daily", "weekly", "monthly", "yearly")


@dataclass(frozen=True)
class Rule:
    """Repeat every `interval` units of `freq`, stopping after `count` occurrences and/or
    after the date `until` (inclusive). Neither limit means forever."""

    freq: str
    interval: int = 1
    count: int | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.freq not in FREQUENCIES:
            raise ValueError(f"unknown frequency {self.freq!r}")
        if self.interval < 1:
            raise ValueError("interval must be at least 1")
        if self.count is not None and self.count < 0:
            raise ValueError("count must not be negative")


_UNIT_TO_FREQ = {"day": "daily", "week": "weekly", "month": "monthly", "year": "yearly"}
_EVERY = re.compile(r"^every\s+(?:(\d+)\s+)?(day|week|month|year)s?$")
_COUNT = re.compile(r"^(\d+)\s+times?$")
_UNTIL = re.compile(r"^until\s+(\d{4}-\d{2}-\d{2})$")


def parse_rule(text: str) -> Rule:
    """Parse "<frequency>[, N times][, until YYYY-MM-DD]".

    The frequency is "daily", "weekly", "monthly", "yearly" or "every [N] day(s)/week(s)/...".
    Raises ValueError for anything else.
    """
    head, *limits = [part.strip() for part in text.lower().split(",")]
    if head in FREQUENCIES:
        freq, interval = head, 1
    elif match := _EVERY.match(head):
        freq, interval = _UNIT_TO_FREQ[match.group(2)], int(match.group(1) or 1)
    else:
        raise ValueError(f"unknown frequency in {text!r}")
    count = until = None
    for limit in limits:
        if match := _COUNT.match(limit):
            count = int(match.group(1))
        elif match := _UNTIL.match(limit):
            until = date.fromisoformat(match.group(1))
        else:
            raise ValueError(f"cannot read {limit!r} in {text!r}")
    return Rule(freq, interval, count, until)
