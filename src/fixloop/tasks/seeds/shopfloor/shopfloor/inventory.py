"""Stock on hand and reservations, per SKU."""


class OutOfStock(Exception):
    """Not enough unreserved stock for a reservation."""


class Inventory:
    """Counts what is on the shelf and what open orders have reserved."""

    def __init__(self) -> None:
        self._on_hand: dict[str, int] = {}
        self._reserved: dict[str, int] = {}

    def receive(self, sku: str, quantity: int) -> int:
        """Add a delivery to the shelf; returns the new quantity on hand."""
        if quantity <= 0:
            raise ValueError("a delivery must hold at least one item")
        on_hand = self._on_hand.get(sku, 0) + quantity
        self._on_hand[sku] = on_hand
        return on_hand

    def on_hand(self, sku: str) -> int:
        """Items of `sku` on the shelf, reserved or not."""
        return self._on_hand.get(sku, 0)

    def available(self, sku: str) -> int:
        """Items of `sku` that are on the shelf and not reserved."""
        return self.on_hand(sku) - self._reserved.get(sku, 0)

    def reserve(self, sku: str, quantity: int) -> None:
        """Hold `quantity` items for an order; raises OutOfStock when too few are available."""
        if quantity > self.available(sku):
            raise OutOfStock(sku)
        self._reserved[sku] = self._reserved.get(sku, 0) + quantity

    def release(self, sku: str, quantity: int) -> None:
        """Give back a reservation (an order was cancelled); never below zero."""
        reserved = self._reserved.get(sku, 0)
        self._reserved[sku] = max(reserved - quantity, 0)

    def ship(self, sku: str, quantity: int) -> None:
        """Take reserved items off the shelf; raises ValueError when fewer are reserved."""
        reserved = self._reserved.get(sku, 0)
        if quantity > reserved:
            raise ValueError(f"only {reserved} of {sku} reserved")
        self._reserved[sku] = reserved - quantity
        self._on_hand[sku] -= quantity

    def low_stock(self, threshold: int) -> list[str]:
        """SKUs with fewer than `threshold` available items, sorted."""
        return sorted(sku for sku in self._on_hand if self.available(sku) < threshold)
