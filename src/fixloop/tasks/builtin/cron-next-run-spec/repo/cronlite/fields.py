"""Parse one field of a cron expression into the set of values it allows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from cronlite.errors import CronError


@dataclass(frozen=True)
class FieldSpec:
    name: str
    low: int
    high: int
    names: Mapping[str, int] = field(default_factory=dict)


_MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
_DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")

MINUTE = FieldSpec("minute", 0, 59)
HOUR = FieldSpec("hour", 0, 23)
DAY = FieldSpec("day of month", 1, 31)
MONTH = FieldSpec("month", 1, 12, {name: number for number, name in enumerate(_MONTHS, start=1)})
WEEKDAY = FieldSpec("day of week", 0, 7, {name: number for number, name in enumerate(_DAYS)})
"""Day of week: 0 is Sunday, 1 Monday ... 6 Saturday; 7 is accepted as Sunday too."""


def parse_field(text: str, spec: FieldSpec) -> frozenset[int]:
    """The values `text` allows for the field `spec`.

    `text` is a comma-separated list of items; an item is `*`, a value `N`, a range `A-B`,
    and any of these followed by a step `/S` (`N/S` runs from N to the field's maximum).
    Month and weekday fields also accept three-letter English names (`JAN`, `MON`), in any
    case. In the weekday field 7 is folded into 0 (Sunday).
    Raises CronError for anything else, or for values outside the field's range.
    """
    values: set[int] = set()
    for item in text.split(","):
        values |= _parse_item(item, spec)
    if spec is WEEKDAY and 7 in values:
        values.discard(7)
        values.add(0)
    return frozenset(values)


def _parse_item(item: str, spec: FieldSpec) -> set[int]:
    base, slash, step_text = item.partition("/")
    step = 1
    if slash:
        if not step_text.isdigit() or int(step_text) == 0:
            raise CronError(f"bad step {step_text!r} in the {spec.name} field")
        step = int(step_text)
    if base == "*":
        start, end = spec.low, spec.high
    elif "-" in base:
        first, _, last = base.partition("-")
        start, end = _value(first, spec), _value(last, spec)
        if start > end:
            raise CronError(f"range {base!r} runs backwards in the {spec.name} field")
    else:
        start = _value(base, spec)
        end = spec.high if slash else start
    return set(range(start, end + 1, step))


def _value(text: str, spec: FieldSpec) -> int:
    if text.upper() in spec.names:
        return spec.names[text.upper()]
    if not text.isdigit():
        raise CronError(f"bad value {text!r} in the {spec.name} field")
    value = int(text)
    if not spec.low <= value <= spec.high:
        raise CronError(f"{value} is outside {spec.low}-{spec.high} in the {spec.name} field")
    return value
