from decimal import Decimal

from salesreport import coverage, largest, mean, total


def test_missing_amounts_are_skipped():
    amounts = [Decimal("10.00"), None, Decimal("20.01"), None]
    assert total(amounts) == Decimal("30.01")
    assert mean(amounts) == Decimal("15.01")
    assert largest(amounts) == Decimal("20.01")
    assert coverage(amounts) == 50


def test_groups_with_nothing_recorded():
    assert total([None, None]) == Decimal("0")
    assert mean([None, None]) is None
    assert largest([None]) is None
    assert coverage([None, None, None]) == 0
