"""Orders and their totals, including the shipping rule."""

from __future__ import annotations

from dataclasses import dataclass

from shopreport.pricing import line_total

FREE_SHIPPING_FROM = 5000
FLAT_SHIPPING = 499


@dataclass(frozen=True)
class OrderLine:
    """One product on an order."""

    name: str
    unit_cents: int
    quantity: int = 1
    discount_percent: int = 0

    @property
    def total(self) -> int:
        return line_total(self.unit_cents, self.quantity, self.discount_percent)


@dataclass(frozen=True)
class Order:
    """An order; shipping is free once the subtotal reaches FREE_SHIPPING_FROM cents."""

    number: str
    lines: tuple[OrderLine, ...]

    @property
    def subtotal(self) -> int:
        return sum(line.total for line in self.lines)

    @property
    def shipping(self) -> int:
        return 0 if self.subtotal >= FREE_SHIPPING_FROM else FLAT_SHIPPING

    @property
    def total(self) -> int:
        return self.subtotal + self.shipping
