"""A shared calendar for a team spread over several UTC offsets."""

from tzcal.calendar import Calendar
from tzcal.intervals import free_slots, merge
from tzcal.model import CalendarError, Event
from tzcal.parsing import parse_event, parse_offset, parse_timestamp
from tzcal.render import format_offset, render_agenda, render_event

__all__ = [
    "Calendar",
    "CalendarError",
    "Event",
    "format_offset",
    "free_slots",
    "merge",
    "parse_event",
    "parse_offset",
    "parse_timestamp",
    "render_agenda",
    "render_event",
]
