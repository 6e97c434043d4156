import pytest

from timeparse import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90s", 90),
        ("1h30m", 5400),
        ("2w", 1_209_600),
        ("2d", 172_800),
        ("1d 12h", 129_600),
    ],
    ids=["seconds", "hours-minutes", "weeks", "days", "days-hours"],
)
def test_parses_duration(text, seconds):
    assert parse_duration(text) == seconds


def test_upper_case_units_are_accepted():
    assert parse_duration("2H 5M") == 7500


def test_one_week_is_seven_days():
    assert parse_duration("1w") == parse_duration("7d")


def test_unknown_unit_is_rejected():
    with pytest.raises(ValueError, match="unknown unit"):
        parse_duration("3y")


def test_stray_text_is_rejected():
    with pytest.raises(ValueError):
        parse_duration("1h oops")
