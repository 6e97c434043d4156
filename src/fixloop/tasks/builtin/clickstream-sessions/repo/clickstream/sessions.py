"""Group page views into visits ("sessions")."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from clickstream.logparse import Event

SESSION_GAP = timedelta(minutes=30)


@dataclass(frozen=True)
class Session:
    """One user's consecutive page views, oldest first."""

    user: str
    events: tuple[Event, ...]

    @property
    def start(self) -> datetime:
        return self.events[0].at

    @property
    def end(self) -> datetime:
        return self.events[-1].at

    @property
    def duration(self) -> timedelta:
        return self.end - self.start


def sessionize(events: Iterable[Event], gap: timedelta = SESSION_GAP) -> list[Session]:
    """Split each user's events into sessions, ordered by user and then by start time.

    A user's session ends when they are idle for more than `gap`: an event that comes more
    than `gap` after the user's previous event starts a new session. Events may be given
    in any order.
    """
    by_user: dict[str, list[Event]] = defaultdict(list)
    for event in sorted(events, key=lambda e: (e.user, e.at)):
        by_user[event.user].append(event)
    sessions = []
    for user, user_events in by_user.items():
        current = [user_events[0]]
        for event in user_events[1:]:
            if event.at - current[0].at > gap:
                sessions.append(Session(user, tuple(current)))
                current = [event]
            else:
                current.append(event)
        sessions.append(Session(user, tuple(current)))
    return sessions
