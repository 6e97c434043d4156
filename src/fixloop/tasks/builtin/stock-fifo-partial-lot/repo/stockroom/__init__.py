"""Warehouse stock: quantities on hand and their value at cost (first in, first out)."""

from stockroom.ledger import InsufficientStock, Ledger
from stockroom.report import valuation_report

__all__ = ["InsufficientStock", "Ledger", "valuation_report"]
