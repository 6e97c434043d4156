import pytest

from shiftclock import minutes_since_midnight, shift_minutes, to_24h


def test_morning_time_is_zero_padded():
    assert to_24h("9:15 am") == "09:15"


def test_afternoon_time_adds_twelve_hours():
    assert to_24h("1:05 PM") == "13:05"


def test_noon_stays_twelve():
    assert to_24h("12:00 PM") == "12:00"


def test_half_past_midnight_is_hour_zero():
    assert to_24h("12:30 AM") == "00:30"


def test_hour_thirteen_is_rejected():
    with pytest.raises(ValueError):
        to_24h("13:00 PM")


def test_night_shift_crosses_midnight():
    assert shift_minutes("10:00 PM", "6:00 AM") == 480


def test_shift_starting_at_midnight():
    assert shift_minutes("12:00 AM", "8:00 AM") == 480


def test_minutes_since_midnight_for_evening():
    assert minutes_since_midnight("7:45PM") == 19 * 60 + 45
