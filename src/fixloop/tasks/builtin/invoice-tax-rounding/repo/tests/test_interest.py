from decimal import Decimal

from ledger import accrue, daily_interest


def test_daily_interest_in_whole_cents():
    assert daily_interest(Decimal("10000.00"), Decimal("0.05")) == Decimal("1.37")


def test_half_cent_of_interest_goes_to_the_even_cent():
    assert daily_interest(Decimal("18250.00"), Decimal("0.0005")) == Decimal("0.02")
    assert daily_interest(Decimal("3650.00"), Decimal("0.0005")) == Decimal("0.00")


def test_accrual_posts_whole_cents_each_day():
    assert accrue(Decimal("1000.00"), Decimal("0.0365"), days=3) == Decimal("1000.30")
