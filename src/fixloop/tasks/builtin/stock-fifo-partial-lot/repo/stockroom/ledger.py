"""The stock ledger: receipts, shipments, customer returns and write-offs per SKU."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from stockroom.lots import LotQueue


class InsufficientStock(ValueError):
    """A shipment or write-off of more units than are on hand."""


@dataclass
class _Item:
    lots: LotQueue = field(default_factory=LotQueue)
    on_hand: int = 0
    cost_of_goods_sold: int = 0
    revenue: int = 0
    written_off: int = 0


class Ledger:
    """Stock per SKU. Quantities are whole units; money is integer cents."""

    def __init__(self) -> None:
        self._items: dict[str, _Item] = defaultdict(_Item)

    def receive(self, sku: str, quantity: int, unit_cost: int) -> None:
        """Goods in from a supplier at `unit_cost` cents each."""
        self._items[sku].lots.add(quantity, unit_cost)
        self._items[sku].on_hand += quantity

    def ship(self, sku: str, quantity: int, unit_price: int) -> int:
        """Goods out to a customer at `unit_price` cents each; returns their cost (FIFO).

        Raises InsufficientStock, changing nothing, if fewer than `quantity` are on hand.
        """
        item = self._take(sku, quantity)
        cost = item.lots.take(quantity)
        item.on_hand -= quantity
        item.cost_of_goods_sold += cost
        item.revenue += quantity * unit_price
        return cost

    def customer_return(self, sku: str, quantity: int, unit_cost: int) -> None:
        """Goods a customer sent back, restocked as a new lot at `unit_cost` cents each."""
        self.receive(sku, quantity, unit_cost)

    def write_off(self, sku: str, quantity: int) -> int:
        """Damaged or lost goods leave stock; returns their cost (FIFO)."""
        item = self._take(sku, quantity)
        cost = item.lots.take(quantity)
        item.on_hand -= quantity
        item.written_off += cost
        return cost

    def _take(self, sku: str, quantity: int) -> _Item:
        if quantity <= 0:
            raise ValueError("quantity must be positive")
        item = self._items.get(sku)
        if item is None or item.on_hand < quantity:
            have = item.on_hand if item else 0
            raise InsufficientStock(f"{sku}: {have} on hand, {quantity} requested")
        return item

    def skus(self) -> list[str]:
        return sorted(self._items)

    def on_hand(self, sku: str) -> int:
        return self._items[sku].on_hand if sku in self._items else 0

    def stock_value(self, sku: str) -> int:
        """Cost in cents of the units of `sku` on hand."""
        return self._items[sku].lots.value if sku in self._items else 0

    def cost_of_goods_sold(self, sku: str) -> int:
        return self._items[sku].cost_of_goods_sold if sku in self._items else 0

    def revenue(self, sku: str) -> int:
        return self._items[sku].revenue if sku in self._items else 0
