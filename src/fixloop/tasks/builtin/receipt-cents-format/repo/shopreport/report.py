"""Plain-text receipts, laid out for a fixed-width email font."""

from __future__ import annotations

from shopreport.money import format_cents
from shopreport.orders import Order

WIDTH = 40


def render_receipt(order: Order) -> str:
    """The receipt for `order`: a header, one row per line, then subtotal, shipping, total."""
    rows = [f"Order {order.number}", "-" * WIDTH]
    for line in order.lines:
        label = f"{line.quantity} x {line.name}"
        if line.discount_percent:
            label += f" (-{line.discount_percent}%)"
        rows.append(_row(label, format_cents(line.total)))
    rows.append("-" * WIDTH)
    rows.append(_row("Subtotal", format_cents(order.subtotal)))
    shipping = "FREE" if order.shipping == 0 else format_cents(order.shipping)
    rows.append(_row("Shipping", shipping))
    rows.append(_row("Total", format_cents(order.total)))
    return "\n".join(rows) + "\n"


def _row(label: str, amount: str) -> str:
    return label.ljust(WIDTH - len(amount) - 1) + " " + amount
