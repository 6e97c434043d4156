"""Orders: lines, totals, and the states an order moves through."""

from dataclasses import dataclass, field

from shopfloor.pricing import line_total, with_tax

# Where an order may go from each state; states missing here are final.
TRANSITIONS = {
    "draft": ("placed", "cancelled"),
    "placed": ("paid", "cancelled"),
    "paid": ("shipped", "refunded"),
    "shipped": ("delivered",),
}


class InvalidTransition(Exception):
    """An order was asked to move to a state it cannot reach from its current one."""


@dataclass
class OrderLine:
    sku: str
    unit_price: int
    quantity: int

    def total(self) -> int:
        """The line's price after the bulk discount, in cents."""
        return line_total(self.unit_price, self.quantity)


@dataclass
class Order:
    lines: list[OrderLine] = field(default_factory=list)
    status: str = "draft"

    def add(self, sku: str, unit_price: int, quantity: int = 1) -> None:
        """Add items; adding a SKU already on the order raises its quantity instead."""
        if self.status != "draft":
            raise InvalidTransition("only a draft order can change")
        for line in self.lines:
            if line.sku == sku:
                line.quantity += quantity
                return
        self.lines.append(OrderLine(sku, unit_price, quantity))

    def item_count(self) -> int:
        """How many items the order holds, over all lines."""
        return sum(line.quantity for line in self.lines)

    def subtotal(self) -> int:
        """The sum of the line totals, before tax."""
        return sum(line.total() for line in self.lines)

    def total(self, category: str = "standard") -> int:
        """The subtotal with tax."""
        return with_tax(self.subtotal(), category)

    def advance(self, new_status: str) -> None:
        """Move to `new_status`; raises InvalidTransition unless the move is allowed."""
        allowed = TRANSITIONS.get(self.status, ())
        if new_status not in allowed:
            raise InvalidTransition(f"{self.status} -> {new_status}")
        self.status = new_status

    def is_open(self) -> bool:
        """True while the order can still be paid or cancelled."""
        return self.status == "draft" or self.status == "placed"


def split_shipments(order: Order, max_items: int) -> list[list[str]]:
    """Pack the order's items into boxes of at most `max_items`, one SKU entry per item."""
    items = [line.sku for line in order.lines for _ in range(line.quantity)]
    boxes = []
    for start in range(0, len(items), max_items):
        boxes.append(items[start : start + max_items])
    return boxes
