import pytest

from cronlite import CronError, parse_cron


def test_five_fields():
    expr = parse_cron("*/30 9-17 * * MON-FRI")
    assert expr.minutes == {0, 30}
    assert expr.hours == set(range(9, 18))
    assert expr.weekdays == {1, 2, 3, 4, 5}
    assert (expr.day_restricted, expr.weekday_restricted) == (False, True)


def test_macros():
    hourly = parse_cron("@hourly")
    assert (hourly.minutes, hourly.hours) == ({0}, set(range(24)))
    assert hourly.text == "@hourly"
    weekly = parse_cron("@weekly")
    assert weekly.weekdays == {0}
    assert (weekly.day_restricted, weekly.weekday_restricted) == (False, True)


def test_wrong_number_of_fields():
    with pytest.raises(CronError):
        parse_cron("0 0 * *")
