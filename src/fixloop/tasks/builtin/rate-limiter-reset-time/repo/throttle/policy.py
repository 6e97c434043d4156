"""Limits written the way operators configure them: "100/minute", "5/second burst 10"."""

from __future__ import annotations

import re
from dataclasses import dataclass

PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

_LIMIT = re.compile(r"^\s*(\d+)\s*/\s*([a-z]+?)s?(?:\s+burst\s+(\d+))?\s*$")


@dataclass(frozen=True)
class Limit:
    """`capacity` requests at once, refilled at `rate` requests per second."""

    capacity: int
    rate: float


def parse_limit(text: str) -> Limit:
    """Parse "N/period" (period: second, minute, hour or day) with an optional "burst B".

    "100/minute" allows a burst of 100 and refills 100 per minute; "5/second burst 10"
    allows a burst of 10 and refills 5 per second. Raises ValueError for anything else.
    """
    match = _LIMIT.match(text.lower())
    if not match or match.group(2) not in PERIODS:
        raise ValueError(f"not a limit: {text!r}")
    count = int(match.group(1))
    if count == 0:
        raise ValueError("a limit must allow at least one request")
    burst = int(match.group(3)) if match.group(3) else count
    return Limit(capacity=burst, rate=count / PERIODS[match.group(2)])
