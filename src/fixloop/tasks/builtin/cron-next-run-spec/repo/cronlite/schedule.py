"""A table of named jobs and the questions a job runner asks about it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from cronlite.errors import CronError
from cronlite.expression import CronExpr, parse_cron
from cronlite.nextrun import next_run

Clock = Callable[[], datetime]
"""Returns the current local time as a naive datetime."""


class Scheduler:
    """Named cron jobs, judged against the time `clock` returns."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._jobs: dict[str, CronExpr] = {}

    def add(self, name: str, expression: str) -> None:
        """Register job `name`; raises CronError for a bad expression or a repeated name."""
        if name in self._jobs:
            raise CronError(f"job {name!r} already exists")
        self._jobs[name] = parse_cron(expression)

    def next_runs(self) -> dict[str, datetime]:
        """Each job's next run after the current time, in the order jobs were added."""
        now = self._clock()
        return {name: next_run(expr, now) for name, expr in self._jobs.items()}

    def upcoming(self, name: str, count: int) -> list[datetime]:
        """The next `count` runs of job `name` after the current time."""
        expr = self._jobs[name]
        runs: list[datetime] = []
        moment = self._clock()
        for _ in range(count):
            moment = next_run(expr, moment)
            runs.append(moment)
        return runs

    def due(self, since: datetime) -> list[str]:
        """Jobs with a run in (since, now]: the ones a runner last woken at `since` must start.

        Sorted by their first run in that interval, then by name.
        """
        now = self._clock()
        firsts = {name: next_run(expr, since) for name, expr in self._jobs.items()}
        due = [(first, name) for name, first in firsts.items() if first <= now]
        return [name for _, name in sorted(due)]
