"""Parse lines like `2024-05-01 10:00:03 WARN [billing] card declined`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from logstat.levels import normalize

_LINE = re.compile(
    r"^(?P<date>\d{4}-\d{2}-\d{2})[ T](?P<time>\d{2}:\d{2}:\d{2})\s+"
    r"(?P<level>[A-Za-z]+)\s+\[(?P<source>[^\]]+)\]\s+(?P<message>.*)$"
)


@dataclass(frozen=True)
class Record:
    timestamp: str
    level: str
    source: str
    message: str


def parse_line(line: str) -> Record | None:
    """The record on `line`, with its level normalized; None if the line is not a record."""
    match = _LINE.match(line.strip())
    if not match:
        return None
    try:
        level = normalize(match["level"])
    except ValueError:
        return None
    return Record(f"{match['date']} {match['time']}", level, match["source"], match["message"].strip())


def parse_lines(lines: Iterable[str]) -> tuple[list[Record], int]:
    """All records in `lines`, and how many non-blank lines were not records."""
    records, skipped = [], 0
    for line in lines:
        if not line.strip():
            continue
        record = parse_line(line)
        if record is None:
            skipped += 1
        else:
            records.append(record)
    return records, skipped
