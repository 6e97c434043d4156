"""Convert 12-hour clock times ("9:15 AM") and measure shifts between them."""

from __future__ import annotations

import re

_TWELVE_HOUR = re.compile(r"(\d{1,2}):(\d{2})\s*([AaPp][Mm])")
_MINUTES_PER_DAY = 24 * 60


def to_24h(text: str) -> str:
    """Convert "h:MM AM" / "h:MM PM" to 24-hour "HH:MM", e.g. "1:05 PM" -> "13:05".

    The meridiem is case-insensitive and the space before it optional.
    Raises ValueError for malformed input or out-of-range hours and minutes.
    """
    match = _TWELVE_HOUR.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a 12-hour time: {text!r}")
    hour, minute, meridiem = int(match[1]), int(match[2]), match[3].upper()
    if not 1 <= hour <= 12 or minute > 59:
        raise ValueError(f"time out of range: {text!r}")
    if meridiem == "AM" and hour == 12:
        hour = 0
    elif meridiem == "PM" and hour != 12:
        hour += 12
    return f"{hour:02d}:{minute:02d}"


def minutes_since_midnight(text: str) -> int:
    """Minutes from midnight to the 12-hour time `text`."""
    hours, minutes = to_24h(text).split(":")
    return int(hours) * 60 + int(minutes)


def shift_minutes(start: str, end: str) -> int:
    """Length in minutes of a shift from `start` to `end`.

    A shift whose end is not after its start runs past midnight into the next day.
    """
    length = minutes_since_midnight(end) - minutes_since_midnight(start)
    if length <= 0:
        length += _MINUTES_PER_DAY
    return length
