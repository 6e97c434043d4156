from datetime import date

from workcal import date_range, is_weekend, nights_between


def test_date_range_excludes_end():
    days = list(date_range(date(2024, 2, 27), date(2024, 3, 1)))
    assert days == [date(2024, 2, 27), date(2024, 2, 28), date(2024, 2, 29)]


def test_nights_between_counts_nights_not_days():
    assert nights_between(date(2024, 7, 1), date(2024, 7, 4)) == 3


def test_same_day_checkout_is_zero_nights():
    assert nights_between(date(2024, 7, 1), date(2024, 7, 1)) == 0


def test_saturday_and_sunday_are_weekend():
    assert [is_weekend(date(2024, 3, d)) for d in (8, 9, 10)] == [False, True, True]
