"""When a cron expression fires next. The behaviour is specified in SPEC.md."""

from __future__ import annotations

from datetime import MAXYEAR, date, datetime, time, timedelta

from cronlite.errors import CronError
from cronlite.expression import CronExpr


def next_run(expr: CronExpr, after: datetime) -> datetime:
    """The first time strictly after `after` at which `expr` fires, as SPEC.md describes."""
    if after.tzinfo is not None:
        raise CronError("next_run takes a naive local datetime, not an aware one")
    last_day = date(min(after.year + 8, MAXYEAR), 12, 31)
    earliest = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    day = earliest.date()
    while day <= last_day:
        if day.month not in expr.months:
            if day.month == 12:
                if day.year == last_day.year:
                    break
                day = date(day.year + 1, 1, 1)
            else:
                day = date(day.year, day.month + 1, 1)
            continue
        if _day_matches(expr, day):
            found = _first_time(expr, day, earliest)
            if found is not None:
                return found
        if day == last_day:
            break
        day += timedelta(days=1)
    raise CronError(f"{expr.text!r} never runs")


def _day_matches(expr: CronExpr, day: date) -> bool:
    day_ok = day.day in expr.days
    weekday_ok = (day.weekday() + 1) % 7 in expr.weekdays
    if expr.day_restricted and expr.weekday_restricted:
        return day_ok or weekday_ok
    return day_ok and weekday_ok


def _first_time(expr: CronExpr, day: date, earliest: datetime) -> datetime | None:
    for hour in sorted(expr.hours):
        for minute in sorted(expr.minutes):
            moment = datetime.combine(day, time(hour, minute))
            if moment >= earliest:
                return moment
    return None
