"""Log levels, their aliases, and how they compare."""

from __future__ import annotations

LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
"""Every level, least severe first."""

ALIASES = {"WARN": "WARNING", "ERR": "ERROR", "FATAL": "CRITICAL", "CRIT": "CRITICAL"}


def normalize(name: str) -> str:
    """The canonical spelling of a level name: "warn" -> "WARNING". Raises ValueError if unknown."""
    upper = name.strip().upper()
    upper = ALIASES.get(upper, upper)
    if upper not in LEVELS:
        raise ValueError(f"unknown level {name!r}")
    return upper


def severity(name: str) -> int:
    """0 for DEBUG up to 4 for CRITICAL; aliases are accepted."""
    return LEVELS.index(normalize(name))


def at_least(level: str, minimum: str) -> bool:
    """Whether a record at `level` passes a `minimum` level filter.

    A filter keeps its own level and everything more severe, the way logging handlers do.
    """
    return severity(level) >= severity(minimum)
