from datetime import datetime, timezone

import pytest

from tzcal import CalendarError, parse_event, parse_timestamp


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def test_utc_and_positive_offsets():
    assert parse_timestamp("2024-03-04T09:00Z") == (utc(2024, 3, 4, 9, 0), 0)
    assert parse_timestamp("2024-03-04T15:30+05:30") == (utc(2024, 3, 4, 10, 0), 330)
    assert parse_timestamp("2024-03-04T00:15+05:45") == (utc(2024, 3, 3, 18, 30), 345)


def test_whole_hour_negative_offsets():
    assert parse_timestamp("2024-03-04T09:00-05:00") == (utc(2024, 3, 4, 14, 0), -300)
    assert parse_timestamp("2024-03-04T23:00-10:00") == (utc(2024, 3, 5, 9, 0), -600)


def test_malformed_input_is_rejected():
    for text in ("2024-03-04T09:00+14:30", "2024-03-04T09:00+05:60", "2024-02-30T10:00Z", "09:00Z"):
        with pytest.raises(CalendarError):
            parse_timestamp(text)
    with pytest.raises(CalendarError):
        parse_event("Sync | 2024-03-04T09:00+01:00 | 2024-03-04T10:00+02:00")
