"""Cron-style job schedules: parse five-field expressions and find when jobs run next."""

from cronlite.errors import CronError
from cronlite.expression import CronExpr, parse_cron
from cronlite.fields import parse_field
from cronlite.nextrun import next_run
from cronlite.schedule import Scheduler

__all__ = ["CronError", "CronExpr", "Scheduler", "next_run", "parse_cron", "parse_field"]
