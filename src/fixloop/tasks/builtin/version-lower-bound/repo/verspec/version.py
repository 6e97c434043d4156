"""Dotted numeric versions such as "1.4" or "2.10.3"."""

from __future__ import annotations

Version = tuple[int, int, int]


def parse_version(text: str) -> Version:
    """Return `text` as a (major, minor, patch) tuple; missing parts count as 0.

    "1.4" -> (1, 4, 0). Raises ValueError for anything but one to three dot-separated
    non-negative integers.
    """
    parts = text.strip().split(".")
    if not 1 <= len(parts) <= 3 or not all(part.isdigit() for part in parts):
        raise ValueError(f"not a version: {text!r}")
    numbers = [int(part) for part in parts] + [0] * (3 - len(parts))
    return numbers[0], numbers[1], numbers[2]
