"""The one error cronlite raises."""


class CronError(ValueError):
    """A malformed cron expression, or a schedule that cannot produce a run."""
