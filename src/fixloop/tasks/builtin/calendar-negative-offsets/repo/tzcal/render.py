"""Write times and events back out with UTC offsets, in the format tzcal/parsing.py reads."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from tzcal.model import Event
from tzcal.parsing import parse_offset


def format_offset(minutes: int) -> str:
    """`Z` for 0, otherwise `+HH:MM` or `-HH:MM` for an offset of `minutes` east of UTC."""
    if minutes == 0:
        return "Z"
    hours, rest = divmod(minutes, 60)
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(hours):02d}:{rest:02d}"


def format_timestamp(moment: datetime, offset_minutes: int) -> str:
    """The UTC instant `moment` as local time at the given offset: `2024-03-04T09:00-05:00`."""
    local = moment + timedelta(minutes=offset_minutes)
    return local.strftime("%Y-%m-%dT%H:%M") + format_offset(offset_minutes)


def render_event(event: Event, offset_minutes: int | None = None) -> str:
    """`START .. END  TITLE`, in the event's own offset unless another one is given."""
    offset = event.offset_minutes if offset_minutes is None else offset_minutes
    start = format_timestamp(event.start, offset)
    end = format_timestamp(event.end, offset)
    return f"{start} .. {end}  {event.title}"


def render_agenda(events: Iterable[Event], display_offset: str) -> str:
    """Every event, earliest first, shown at the offset `display_offset` (e.g. `+05:30`)."""
    offset = parse_offset(display_offset)
    ordered = sorted(events, key=lambda event: (event.start, event.end, event.title))
    return "".join(render_event(event, offset) + "\n" for event in ordered)
