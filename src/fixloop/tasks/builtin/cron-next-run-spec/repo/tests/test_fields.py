import pytest

from cronlite import CronError, parse_field
from cronlite.fields import HOUR, MINUTE, MONTH, WEEKDAY


def test_lists_ranges_and_steps():
    assert parse_field("*/20", MINUTE) == {0, 20, 40}
    assert parse_field("1-10/4,30", MINUTE) == {1, 5, 9, 30}
    assert parse_field("22/1", HOUR) == {22, 23}


def test_names_and_sunday_as_seven():
    assert parse_field("jan,Mar-MAY", MONTH) == {1, 3, 4, 5}
    assert parse_field("FRI-7", WEEKDAY) == {5, 6, 0}
    assert parse_field("*", WEEKDAY) == {0, 1, 2, 3, 4, 5, 6}


def test_bad_fields_are_rejected():
    for text, spec in [("60", MINUTE), ("5-1", HOUR), ("*/0", MINUTE), ("x", HOUR), ("13", MONTH)]:
        with pytest.raises(CronError):
            parse_field(text, spec)
