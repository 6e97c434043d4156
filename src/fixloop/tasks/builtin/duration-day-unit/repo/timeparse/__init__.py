"""Parse human-written durations such as "1h30m" into seconds."""

from timeparse.duration import UNIT_SECONDS, parse_duration

__all__ = ["UNIT_SECONDS", "parse_duration"]
