"""Parse whole cron expressions."""

from __future__ import annotations

from dataclasses import dataclass

from cronlite.errors import CronError
from cronlite.fields import DAY, HOUR, MINUTE, MONTH, WEEKDAY, parse_field

MACROS = {
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
    "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *",
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
}


@dataclass(frozen=True)
class CronExpr:
    """A parsed expression: the allowed values of each field.

    `day_restricted` / `weekday_restricted` say whether the day-of-month / day-of-week
    field was written as anything other than a lone `*`. Weekdays use 0 for Sunday.
    """

    text: str
    minutes: frozenset[int]
    hours: frozenset[int]
    days: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    day_restricted: bool
    weekday_restricted: bool


def parse_cron(text: str) -> CronExpr:
    """Parse `minute hour day-of-month month day-of-week`, or one of the `MACROS`."""
    expanded = MACROS.get(text.strip().lower(), text)
    fields = expanded.split()
    if len(fields) != 5:
        raise CronError(f"expected 5 fields in {text!r}, found {len(fields)}")
    minute, hour, day, month, weekday = fields
    return CronExpr(
        text=text.strip(),
        minutes=parse_field(minute, MINUTE),
        hours=parse_field(hour, HOUR),
        days=parse_field(day, DAY),
        months=parse_field(month, MONTH),
        weekdays=parse_field(weekday, WEEKDAY),
        day_restricted=day != "*",
        weekday_restricted=weekday != "*",
    )
