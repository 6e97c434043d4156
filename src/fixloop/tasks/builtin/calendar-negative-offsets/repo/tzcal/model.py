"""The calendar's data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class CalendarError(ValueError):
    """Malformed calendar input."""


@dataclass(frozen=True)
class Event:
    """A meeting. `start` and `end` are aware datetimes in UTC; `offset_minutes` is the
    UTC offset the organiser wrote the times in (minutes east of UTC, so -330 for -05:30).
    """

    title: str
    start: datetime
    end: datetime
    offset_minutes: int
