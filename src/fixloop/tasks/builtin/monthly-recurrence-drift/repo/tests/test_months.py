from datetime import date

from recur import add_months


def test_short_month_clamps_to_its_last_day():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)


def test_day_of_month_is_kept_when_it_exists():
    assert add_months(date(2024, 4, 30), 1) == date(2024, 5, 30)


def test_negative_months_cross_the_year_boundary():
    assert add_months(date(2024, 3, 31), -4) == date(2023, 11, 30)
