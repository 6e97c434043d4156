"""When a cron expression fires next. The behaviour is specified in SPEC.md."""

from __future__ import annotations

from datetime import datetime, timedelta

from cronlite.expression import CronExpr


def next_run(expr: CronExpr, after: datetime) -> datetime:
    """The first time strictly after `after` at which `expr` fires, as SPEC.md describes."""
    # Placeholder until the calendar search in SPEC.md is written: it only looks at the
    # minute and hour fields and ignores days, months and weekdays.
    candidate = after.replace(second=0, microsecond=0) + timedelta(minutes=1)
    while candidate.minute not in expr.minutes or candidate.hour not in expr.hours:
        candidate += timedelta(minutes=1)
    return candidate
