"""Numbers computed from events and sessions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence

from clickstream.logparse import Event
from clickstream.sessions import Session


def sessions_per_user(sessions: Iterable[Session]) -> dict[str, int]:
    """How many sessions each user had."""
    return dict(Counter(session.user for session in sessions))


def average_session_minutes(sessions: Sequence[Session]) -> float:
    """Mean session length in minutes, rounded to one decimal; 0.0 when there are none."""
    if not sessions:
        return 0.0
    total = sum(session.duration.total_seconds() for session in sessions)
    return round(total / len(sessions) / 60, 1)


def top_pages(events: Iterable[Event], count: int) -> list[tuple[str, int]]:
    """The `count` most viewed paths with their views, most viewed first, ties by path."""
    views = Counter(event.path for event in events)
    return sorted(views.items(), key=lambda item: (-item[1], item[0]))[:count]
