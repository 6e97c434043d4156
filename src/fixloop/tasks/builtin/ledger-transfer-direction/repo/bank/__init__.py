"""A tiny in-memory bank ledger."""

from bank.ledger import InsufficientFunds, Ledger

__all__ = ["InsufficientFunds", "Ledger"]
