"""Invoices, sales tax and interest for the accounts team."""

from ledger.interest import accrue, daily_interest
from ledger.invoice import Invoice, InvoiceLine, render_invoice
from ledger.rounding import round_cents
from ledger.tax import line_tax

__all__ = [
    "Invoice",
    "InvoiceLine",
    "accrue",
    "daily_interest",
    "line_tax",
    "render_invoice",
    "round_cents",
]
