"""Orders for the web shop and the plain-text receipts we email for them."""

from shopreport.orders import Order, OrderLine
from shopreport.report import render_receipt

__all__ = ["Order", "OrderLine", "render_receipt"]
