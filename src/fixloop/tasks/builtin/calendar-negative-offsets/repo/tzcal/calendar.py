"""The team calendar."""

from __future__ import annotations

from datetime import timedelta
from itertools import combinations

from tzcal.intervals import Interval, free_slots, merge
from tzcal.model import Event
from tzcal.parsing import parse_event, parse_timestamp


class Calendar:
    """Events added as `TITLE | START | END` lines, in whatever offset each organiser uses."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    def add(self, line: str) -> Event:
        event = parse_event(line)
        self.events.append(event)
        return event

    def busy(self) -> list[Interval]:
        """When anyone is in a meeting, as merged UTC intervals."""
        return merge((event.start, event.end) for event in self.events)

    def free(self, window_start: str, window_end: str, min_minutes: int = 0) -> list[Interval]:
        """Free UTC intervals of at least `min_minutes` between two timestamps."""
        start, _ = parse_timestamp(window_start)
        end, _ = parse_timestamp(window_end)
        return free_slots(self.busy(), (start, end), timedelta(minutes=min_minutes))

    def clashes(self) -> list[tuple[str, str]]:
        """Pairs of event titles whose times overlap, in the order the events were added."""
        return [
            (first.title, second.title)
            for first, second in combinations(self.events, 2)
            if first.start < second.end and second.start < first.end
        ]
