from datetime import date

import pytest

from workcal import add_business_days, business_days


def test_work_week_counts_five_days():
    assert business_days(date(2024, 3, 4), date(2024, 3, 8)) == 5


def test_single_weekday_counts_one_day():
    assert business_days(date(2024, 3, 6), date(2024, 3, 6)) == 1


def test_holiday_is_not_a_business_day():
    july_4th = date(2024, 7, 4)
    assert business_days(date(2024, 7, 1), date(2024, 7, 5), holidays=[july_4th]) == 4


def test_weekend_has_no_business_days():
    assert business_days(date(2024, 3, 9), date(2024, 3, 10)) == 0


def test_end_before_start_is_rejected():
    with pytest.raises(ValueError):
        business_days(date(2024, 3, 8), date(2024, 3, 4))


def test_adding_business_days_skips_weekend():
    assert add_business_days(date(2024, 3, 8), 1) == date(2024, 3, 11)
