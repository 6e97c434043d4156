from datetime import date
from decimal import Decimal

from salesreport import Sale, clean_amount, clean_rows


def test_amounts():
    assert clean_amount(" 1,250.50 ") == Decimal("1250.50")
    assert clean_amount("$99") == Decimal("99")
    assert clean_amount("(35.00)") == Decimal("-35.00")
    assert clean_amount("0") == Decimal("0")
    assert [clean_amount(cell) for cell in ("", "  ", "N/A", "-", "?")] == [None] * 5


def test_rows_are_typed_and_names_normalised():
    raw = [{"date": "2024-01-05", "region": " north ", "store": "n2 ", "amount": "0.00"}]
    assert clean_rows(raw) == [Sale(date(2024, 1, 5), "North", "N2", Decimal("0.00"))]
