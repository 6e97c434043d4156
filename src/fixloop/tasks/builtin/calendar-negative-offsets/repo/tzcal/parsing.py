"""Read timestamps and events written with UTC offsets.

A timestamp is `YYYY-MM-DDTHH:MM` followed by `Z` or an offset `+HH:MM` / `-HH:MM`, the
difference between local time and UTC: `2024-03-04T09:00-05:00` is 14:00 UTC. Offsets run
from -14:00 to +14:00; the minutes part is below 60.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from tzcal.model import CalendarError, Event

_TIMESTAMP = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(Z|[+-]\d\d:\d\d)")
_OFFSET = re.compile(r"([+-])(\d\d):(\d\d)")


def parse_offset(text: str) -> int:
    """The offset `Z`, `+HH:MM` or `-HH:MM` in minutes east of UTC (`-05:30` is -330)."""
    if text == "Z":
        return 0
    match = _OFFSET.fullmatch(text)
    if match is None:
        raise CalendarError(f"bad UTC offset {text!r}")
    sign = -1 if match.group(1) == "-" else 1
    hours, minutes = int(match.group(2)), int(match.group(3))
    if minutes >= 60 or hours * 60 + minutes > 14 * 60:
        raise CalendarError(f"UTC offset {text!r} is out of range")
    return sign * hours * 60 + minutes


def parse_timestamp(text: str) -> tuple[datetime, int]:
    """The UTC instant `text` names, and its offset in minutes."""
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise CalendarError(f"bad timestamp {text!r}")
    year, month, day, hour, minute = (int(part) for part in match.groups()[:5])
    offset = parse_offset(match.group(6))
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=timezone.utc)
    except ValueError as exc:
        raise CalendarError(f"bad timestamp {text!r}: {exc}") from None
    return local - timedelta(minutes=offset), offset


def parse_event(line: str) -> Event:
    """An event from `TITLE | START | END`; START and END must use the same offset."""
    parts = [part.strip() for part in line.split("|")]
    if len(parts) != 3 or not parts[0]:
        raise CalendarError(f"expected 'title | start | end', got {line!r}")
    title, start_text, end_text = parts
    start, offset = parse_timestamp(start_text)
    end, end_offset = parse_timestamp(end_text)
    if end_offset != offset:
        raise CalendarError(f"{title!r} starts and ends in different UTC offsets")
    if end <= start:
        raise CalendarError(f"{title!r} ends before it starts")
    return Event(title, start, end, offset)
