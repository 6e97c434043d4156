"""Work-shift times entered on a 12-hour clock."""

from shiftclock.clock import minutes_since_midnight, shift_minutes, to_24h

__all__ = ["minutes_since_midnight", "shift_minutes", "to_24h"]
