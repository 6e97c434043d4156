"""The month-end valuation report."""

from __future__ import annotations

from stockroom.ledger import Ledger
from stockroom.money import format_cents

COLUMNS = ("SKU", "On hand", "Value", "COGS", "Margin")


def report_rows(ledger: Ledger) -> list[tuple[str, int, int, int, int]]:
    """(sku, on hand, stock value, cost of goods sold, gross margin) per SKU, by SKU."""
    return [
        (
            sku,
            ledger.on_hand(sku),
            ledger.stock_value(sku),
            ledger.cost_of_goods_sold(sku),
            ledger.revenue(sku) - ledger.cost_of_goods_sold(sku),
        )
        for sku in ledger.skus()
    ]


def valuation_report(ledger: Ledger) -> str:
    """A right-aligned text table of `report_rows` with a totals line."""
    rows = report_rows(ledger)
    totals = ("TOTAL", *(sum(row[i] for row in rows) for i in range(1, 5)))
    text_rows = [COLUMNS] + [
        (sku, str(qty), *(format_cents(c) for c in money)) for sku, qty, *money in [*rows, totals]
    ]
    widths = [max(len(row[i]) for row in text_rows) for i in range(len(COLUMNS))]
    lines = [
        "  ".join([row[0].ljust(widths[0])] + [cell.rjust(w) for cell, w in zip(row[1:], widths[1:])])
        for row in text_rows
    ]
    return "\n".join(lines) + "\n"
