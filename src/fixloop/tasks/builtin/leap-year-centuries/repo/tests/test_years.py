import pytest

from almanac import day_of_year, days_in_month, days_in_year, is_leap_year


def test_year_divisible_by_400_is_leap():
    assert is_leap_year(2000)


def test_year_not_divisible_by_4_is_common():
    assert not is_leap_year(2023)
    assert days_in_year(2023) == 365


def test_month_lengths_in_a_common_year():
    assert days_in_month(2023, 2) == 28
    assert days_in_month(2023, 4) == 30
    assert days_in_month(2023, 12) == 31


def test_bad_month_is_rejected():
    with pytest.raises(ValueError):
        days_in_month(2023, 13)


def test_day_of_year_in_a_common_year():
    assert day_of_year(2023, 3, 1) == 60


def test_ordinary_leap_year():
    assert is_leap_year(2024)
    assert days_in_month(2024, 2) == 29


def test_century_not_divisible_by_400_is_common():
    assert not is_leap_year(1900)
    assert days_in_year(2100) == 365


def test_leap_day_exists_only_in_leap_years():
    assert day_of_year(2024, 2, 29) == 60
    with pytest.raises(ValueError):
        day_of_year(1900, 2, 29)
