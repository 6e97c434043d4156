"""An agenda of named recurring entries, listed over a window of dates."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from itertools import takewhile

from recur.expand import occurrences
from recur.rules import Rule, parse_rule


@dataclass(frozen=True)
class Entry:
    title: str
    start: date
    rule: Rule
    skipped: frozenset[date] = field(default_factory=frozenset)


class Agenda:
    def __init__(self) -> None:
        self._entries: list[Entry] = []

    def add(self, title: str, start: date, rule: Rule | str, skip: tuple[date, ...] = ()) -> Entry:
        """Add an entry; `rule` may be given as text for `parse_rule`."""
        if isinstance(rule, str):
            rule = parse_rule(rule)
        entry = Entry(title, start, rule, frozenset(skip))
        self._entries.append(entry)
        return entry

    def between(self, first: date, last: date) -> list[tuple[date, str]]:
        """(date, title) for every occurrence from `first` to `last` inclusive, by date then title.

        Skipped dates are left out but still count towards a rule's number of times.
        """
        found = []
        for entry in self._entries:
            for day in takewhile(lambda d: d <= last, occurrences(entry.rule, entry.start)):
                if day >= first and day not in entry.skipped:
                    found.append((day, entry.title))
        return sorted(found)

    def next_after(self, day: date) -> tuple[date, str] | None:
        """The first occurrence strictly after `day`, or None when nothing is left."""
        best = None
        for entry in self._entries:
            for when in occurrences(entry.rule, entry.start):
                if when > day and when not in entry.skipped:
                    if best is None or (when, entry.title) < best:
                        best = (when, entry.title)
                    break
        return best
