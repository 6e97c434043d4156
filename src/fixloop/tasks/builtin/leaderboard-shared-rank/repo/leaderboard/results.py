"""One team's result: points scored, attempts used, and when they finished."""

from __future__ import annotations

import re
from dataclasses import dataclass

_LINE = re.compile(r"^\s*(\S+)\s+(\d+)\s+(\d+)\s+(\d+):([0-5]\d):([0-5]\d)\s*$")


@dataclass(frozen=True)
class Result:
    player: str
    points: int
    attempts: int
    finished_at: int
    """Seconds from the start of the hunt."""

    @property
    def clock(self) -> str:
        hours, rest = divmod(self.finished_at, 3600)
        return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def parse_result(line: str) -> Result:
    """Parse `<player> <points> <attempts> <h:mm:ss>`, e.g. "ada 120 3 1:02:07".

    Raises ValueError for anything else.
    """
    match = _LINE.match(line)
    if not match:
        raise ValueError(f"not a result line: {line!r}")
    player, points, attempts, hours, minutes, seconds = match.groups()
    finished = int(hours) * 3600 + int(minutes) * 60 + int(seconds)
    return Result(player, int(points), int(attempts), finished)
