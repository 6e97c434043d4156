"""Customer invoices and their printed form."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ledger.tax import line_tax

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class InvoiceLine:
    """`quantity` units of a product at `unit_price` (whole cents) each."""

    description: str
    quantity: int
    unit_price: Decimal

    @property
    def net(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class Invoice:
    """An invoice; every line is taxed at `tax_rate` (0.05 for 5%)."""

    number: str
    lines: tuple[InvoiceLine, ...]
    tax_rate: Decimal

    @property
    def net_total(self) -> Decimal:
        return sum((line.net for line in self.lines), ZERO)

    @property
    def tax_total(self) -> Decimal:
        return sum((line_tax(line.net, self.tax_rate) for line in self.lines), ZERO)

    @property
    def grand_total(self) -> Decimal:
        return self.net_total + self.tax_total


def render_invoice(invoice: Invoice) -> str:
    """The printable invoice: a header, one row per line, then net, tax and total."""
    rows = [f"Invoice {invoice.number}"]
    rows += [f"{line.quantity} x {line.description}: {line.net:.2f}" for line in invoice.lines]
    rows.append(f"Net: {invoice.net_total:.2f}")
    rows.append(f"Tax: {invoice.tax_total:.2f}")
    rows.append(f"Total: {invoice.grand_total:.2f}")
    return "\n".join(rows) + "\n"
