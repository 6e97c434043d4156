"""Daily interest on account balances."""

from __future__ import annotations

from decimal import Decimal

from ledger.rounding import round_cents


def daily_interest(balance: Decimal, annual_rate: Decimal, days_in_year: int = 365) -> Decimal:
    """One day's interest on `balance` at `annual_rate` (0.05 for 5%), in whole cents."""
    return round_cents(balance * annual_rate / days_in_year)


def accrue(balance: Decimal, annual_rate: Decimal, days: int) -> Decimal:
    """The balance after `days` days, posting each day's interest in whole cents."""
    for _ in range(days):
        balance += daily_interest(balance, annual_rate)
    return balance
