import time
from datetime import datetime, timedelta, timezone

import pytest

from cronlite import CronError, Scheduler, next_run, parse_cron


def scheduler_at(moment, **jobs):
    scheduler = Scheduler(clock=lambda: moment)
    for name, expression in jobs.items():
        scheduler.add(name, expression)
    return scheduler


def test_every_fifteen_minutes():
    scheduler = scheduler_at(datetime(2024, 5, 10, 10, 7, 30), poll="*/15 * * * *")
    assert scheduler.upcoming("poll", 3) == [
        datetime(2024, 5, 10, 10, 15),
        datetime(2024, 5, 10, 10, 30),
        datetime(2024, 5, 10, 10, 45),
    ]


def test_next_run_is_strictly_after_a_matching_time():
    scheduler = scheduler_at(datetime(2024, 5, 10, 10, 0), hourly="0 * * * *", daily="30 2 * * *")
    assert scheduler.next_runs() == {
        "hourly": datetime(2024, 5, 10, 11, 0),
        "daily": datetime(2024, 5, 11, 2, 30),
    }


def test_repeated_job_name_is_rejected():
    scheduler = scheduler_at(datetime(2024, 5, 10), backup="0 3 * * *")
    with pytest.raises(CronError):
        scheduler.add("backup", "0 4 * * *")


def test_weekday_job_skips_the_weekend():
    friday_nine = datetime(2024, 5, 10, 9, 0)
    scheduler = scheduler_at(friday_nine, standup="0 9 * * MON-FRI")
    assert scheduler.upcoming("standup", 2) == [datetime(2024, 5, 13, 9, 0), datetime(2024, 5, 14, 9, 0)]


def test_job_on_the_31st_skips_short_months():
    scheduler = scheduler_at(datetime(2024, 4, 1), close="0 0 31 * *")
    assert scheduler.upcoming("close", 3) == [
        datetime(2024, 5, 31),
        datetime(2024, 7, 31),
        datetime(2024, 8, 31),
    ]


def test_day_of_month_or_weekday_when_both_are_restricted():
    scheduler = scheduler_at(datetime(2024, 9, 1), lucky="0 12 13 * FRI")
    assert scheduler.upcoming("lucky", 6) == [
        datetime(2024, 9, 6, 12),
        datetime(2024, 9, 13, 12),
        datetime(2024, 9, 20, 12),
        datetime(2024, 9, 27, 12),
        datetime(2024, 10, 4, 12),
        datetime(2024, 10, 11, 12),
    ]
    assert scheduler_at(datetime(2024, 10, 11, 12), lucky="0 12 13 * FRI").next_runs() == {
        "lucky": datetime(2024, 10, 13, 12)
    }


def test_yearly_and_leap_day_jobs():
    scheduler = scheduler_at(
        datetime(2025, 6, 1, 0, 0),
        new_year="15 0 1 JAN *",
        leap="0 0 29 2 *",
        summer="0 6 * 7 SUN",
    )
    assert scheduler.next_runs() == {
        "new_year": datetime(2026, 1, 1, 0, 15),
        "leap": datetime(2028, 2, 29, 0, 0),
        "summer": datetime(2025, 7, 6, 6, 0),
    }


def test_due_jobs_between_two_wake_ups():
    jobs = {
        "weekend_report": "0 8 * * SAT,SUN",
        "first_of_month": "0 7 1 * *",
        "nightly": "0 1 * * *",
        "quarterly": "0 6 1 */3 *",
    }
    monday_evening = scheduler_at(datetime(2024, 5, 13, 18, 0), **jobs)
    assert monday_evening.due(since=datetime(2024, 5, 10, 23, 0)) == ["nightly", "weekend_report"]
    april_first = scheduler_at(datetime(2024, 4, 1, 7, 30), **jobs)
    assert april_first.due(since=datetime(2024, 3, 31, 23, 0)) == [
        "nightly",
        "quarterly",
        "first_of_month",
    ]


def test_schedule_that_never_runs_raises_quickly():
    started = time.perf_counter()
    for expression in ("0 0 30 2 *", "0 0 31 4,6 *"):
        with pytest.raises(CronError):
            next_run(parse_cron(expression), datetime(2024, 1, 1))
    assert time.perf_counter() - started < 5


def test_aware_datetime_is_rejected():
    with pytest.raises(CronError):
        next_run(parse_cron("* * * * *"), datetime(2024, 1, 1, tzinfo=timezone(timedelta(hours=2))))
