"""Typed access to parsed INI values."""

from __future__ import annotations

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


Config = dict[str, dict[str, str]]


def get_bool(config: Config, section: str, key: str, fallback: bool = False) -> bool:
    """The boolean at `section`/`key` (yes/no, on/off, true/false, 1/0), or `fallback` if absent.

    Raises ValueError for any other word.
    """
    raw = config.get(section, {}).get(key)
    if raw is None:
        return fallback
    word = raw.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"[{section}] {key} = {raw!r} is not a boolean")


def get_int(config: Config, section: str, key: str, fallback: int = 0) -> int:
    """The integer at `section`/`key`, or `fallback` if absent.

    Raises ValueError if the value is not a whole number.
    """
    raw = config.get(section, {}).get(key)
    if raw is None:
        return fallback
    return int(raw)
