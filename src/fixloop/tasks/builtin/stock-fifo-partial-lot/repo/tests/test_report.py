from stockroom import Ledger, valuation_report
from stockroom.money import format_cents
from stockroom.report import report_rows


def test_cents_are_formatted_with_separators():
    assert format_cents(1234567) == "12,345.67"
    assert format_cents(-5) == "-0.05"


def test_received_stock_is_valued_at_cost():
    ledger = Ledger()
    ledger.receive("MUG", 10, 250)
    ledger.receive("MUG", 5, 300)
    assert report_rows(ledger) == [("MUG", 15, 4000, 0, 0)]


def test_partial_shipment_lowers_the_stock_value():
    ledger = Ledger()
    ledger.receive("MUG", 10, 250)
    ledger.ship("MUG", 3, 900)
    assert report_rows(ledger) == [("MUG", 7, 1750, 750, 1950)]


def test_later_shipments_continue_into_the_next_lot():
    ledger = Ledger()
    ledger.receive("MUG", 10, 250)
    ledger.receive("MUG", 10, 300)
    ledger.ship("MUG", 4, 900)
    ledger.ship("MUG", 10, 900)
    assert report_rows(ledger) == [("MUG", 6, 1800, 3700, 8900)]


def test_report_table_with_totals():
    ledger = Ledger()
    ledger.receive("CAP", 2, 80000)
    ledger.receive("MUG", 10, 250)
    ledger.ship("MUG", 10, 900)
    assert valuation_report(ledger) == (
        "SKU    On hand     Value   COGS  Margin\n"
        "CAP          2  1,600.00   0.00    0.00\n"
        "MUG          0      0.00  25.00   65.00\n"
        "TOTAL        2  1,600.00  25.00   65.00\n"
    )


def test_write_off_after_a_partial_shipment():
    ledger = Ledger()
    ledger.receive("CAP", 5, 800)
    ledger.receive("CAP", 5, 1000)
    ledger.ship("CAP", 2, 1500)
    assert ledger.write_off("CAP", 4) == 3400
    assert report_rows(ledger)[0][:3] == ("CAP", 4, 4000)
