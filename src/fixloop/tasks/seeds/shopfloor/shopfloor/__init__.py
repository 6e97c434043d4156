"""A small shop back office: prices in cents, stock levels, and orders moving through states."""

from shopfloor.inventory import Inventory, OutOfStock
from shopfloor.orders import InvalidTransition, Order, OrderLine
from shopfloor.pricing import format_cents, line_total, with_tax

__all__ = [
    "InvalidTransition",
    "Inventory",
    "Order",
    "OrderLine",
    "OutOfStock",
    "format_cents",
    "line_total",
    "with_tax",
]
