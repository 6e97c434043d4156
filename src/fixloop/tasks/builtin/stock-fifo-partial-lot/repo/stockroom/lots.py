"""Cost lots for one SKU, consumed first in, first out."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class Lot:
    """`quantity` units bought at `unit_cost` cents each."""

    quantity: int
    unit_cost: int


class LotQueue:
    """The lots still in stock, oldest first."""

    def __init__(self) -> None:
        self._lots: deque[Lot] = deque()

    def add(self, quantity: int, unit_cost: int) -> None:
        """Put a new lot at the back of the queue."""
        if quantity <= 0:
            raise ValueError("a lot needs a positive quantity")
        if unit_cost < 0:
            raise ValueError("unit cost must not be negative")
        self._lots.append(Lot(quantity, unit_cost))

    def take(self, quantity: int) -> int:
        """Remove `quantity` units, oldest lots first, and return what they cost in cents.

        A lot that is only partly used stays at the front with what is left of it. Raises
        ValueError, taking nothing, when fewer than `quantity` units are in stock.
        """
        if quantity > self.quantity:
            raise ValueError(f"only {self.quantity} in stock, cannot take {quantity}")
        remaining = quantity
        cost = 0
        while remaining:
            lot = self._lots[0]
            used = min(remaining, lot.quantity)
            cost += used * lot.unit_cost
            remaining -= used
            if used == lot.quantity:
                self._lots.popleft()
            else:
                self._lots[0] = Lot(lot.quantity - remaining, lot.unit_cost)
        return cost

    @property
    def quantity(self) -> int:
        return sum(lot.quantity for lot in self._lots)

    @property
    def value(self) -> int:
        """The cost in cents of everything still in stock."""
        return sum(lot.quantity * lot.unit_cost for lot in self._lots)

    def lots(self) -> list[Lot]:
        return list(self._lots)
