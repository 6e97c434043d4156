"""The daily traffic summary sent to the product team."""

from __future__ import annotations

from dataclasses import dataclass

from clickstream.logparse import parse_log
from clickstream.metrics import average_session_minutes, sessions_per_user, top_pages
from clickstream.sessions import sessionize


@dataclass(frozen=True)
class Summary:
    users: int
    sessions: int
    sessions_per_user: dict[str, int]
    average_session_minutes: float
    top_pages: list[tuple[str, int]]


def summarize(log_text: str, top: int = 3) -> Summary:
    """Summarise a day's page-view log."""
    events = parse_log(log_text)
    sessions = sessionize(events)
    per_user = sessions_per_user(sessions)
    return Summary(
        users=len(per_user),
        sessions=len(sessions),
        sessions_per_user=per_user,
        average_session_minutes=average_session_minutes(sessions),
        top_pages=top_pages(events, top),
    )
