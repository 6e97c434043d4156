"""Parse page-view log lines such as `2024-05-01T10:00:00Z user=alice path=/home`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class LogError(ValueError):
    """A log line that cannot be parsed; `lineno` is 1-based."""

    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno


@dataclass(frozen=True)
class Event:
    """One page view."""

    at: datetime
    user: str
    path: str


def parse_line(line: str) -> Event:
    """Parse one log line. Raises ValueError if it is malformed."""
    stamp, *pairs = line.split()
    fields = dict(pair.split("=", 1) for pair in pairs if "=" in pair)
    if "user" not in fields or "path" not in fields:
        raise ValueError(f"missing user or path in {line!r}")
    return Event(at=datetime.fromisoformat(stamp), user=fields["user"], path=fields["path"])


def parse_log(text: str) -> list[Event]:
    """Parse every line of `text`, skipping blank lines and `#` comments.

    Raises LogError naming the first malformed line.
    """
    events = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            events.append(parse_line(line))
        except ValueError as exc:
            raise LogError(lineno, str(exc)) from exc
    return events
