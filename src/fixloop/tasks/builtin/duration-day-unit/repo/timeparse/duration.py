"""Duration strings as people type them in job schedules: "90s", "1h30m", "2d 4h", "1w"."""

from __future__ import annotations

import re

UNIT_SECONDS = {
    "s": 1,
    "m": 60,
    "h": 60 * 60,
    "d": 24 * 60,
    "w": 7 * 24 * 60 * 60,
}

_PART = re.compile(r"(\d+)\s*([a-z])")


def parse_duration(text: str) -> int:
    """Return the number of seconds `text` stands for, e.g. "1h30m" -> 5400.

    A duration is one or more parts, each a whole number followed by a unit letter
    (s, m, h, d or w), optionally separated by whitespace. Case is ignored.
    Raises ValueError for empty input, unknown units or stray characters.
    """
    compact = text.strip().lower()
    if not compact:
        raise ValueError("empty duration")
    total = 0
    pos = 0
    for match in _PART.finditer(compact):
        gap = compact[pos : match.start()].strip()
        if gap:
            raise ValueError(f"unexpected {gap!r} in duration {text!r}")
        number, unit = match.groups()
        if unit not in UNIT_SECONDS:
            raise ValueError(f"unknown unit {unit!r} in duration {text!r}")
        total += int(number) * UNIT_SECONDS[unit]
        pos = match.end()
    rest = compact[pos:].strip()
    if rest:
        raise ValueError(f"unexpected {rest!r} in duration {text!r}")
    return total
