"""Line prices after quantity and percentage discounts."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def line_total(unit_cents: int, quantity: int, discount_percent: int = 0) -> int:
    """Cents for `quantity` units at `unit_cents` each, less `discount_percent` percent.

    The discounted price is rounded half up to the cent. Raises ValueError for a negative
    quantity or a discount outside 0-100.
    """
    if quantity < 0:
        raise ValueError("quantity must not be negative")
    if not 0 <= discount_percent <= 100:
        raise ValueError("discount must be between 0 and 100 percent")
    gross = Decimal(unit_cents * quantity)
    net = gross * (100 - discount_percent) / 100
    return int(net.quantize(Decimal(1), rounding=ROUND_HALF_UP))
