from decimal import Decimal

from ledger import round_cents


def test_round_cents_to_nearest_cent():
    assert round_cents(Decimal("2.499")) == Decimal("2.50")


def test_round_cents_breaks_ties_to_even():
    assert round_cents(Decimal("0.125")) == Decimal("0.12")
    assert round_cents(Decimal("0.135")) == Decimal("0.14")
