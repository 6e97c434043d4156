"""Accounts and transfers. Amounts are whole cents and always positive."""

from __future__ import annotations


class InsufficientFunds(Exception):
    """A withdrawal or transfer would take an account below zero."""


class Ledger:
    """Account balances plus a history of completed transfers."""

    def __init__(self) -> None:
        self._balances: dict[str, int] = {}
        self.history: list[tuple[str, str, int]] = []

    def open(self, account: str, balance: int = 0) -> None:
        """Open `account` with a starting balance. Raises ValueError if it already exists."""
        if account in self._balances:
            raise ValueError(f"account {account!r} already exists")
        self._balances[account] = balance

    def balance(self, account: str) -> int:
        """The balance of `account`. Raises KeyError for an unknown account."""
        return self._balances[account]

    def deposit(self, account: str, amount: int) -> None:
        self._check_amount(amount)
        self._balances[account] = self.balance(account) + amount

    def withdraw(self, account: str, amount: int) -> None:
        """Take `amount` out of `account`; raises InsufficientFunds if it would go negative."""
        self._check_amount(amount)
        if self.balance(account) < amount:
            raise InsufficientFunds(f"{account!r} cannot cover {amount}")
        self._balances[account] -= amount

    def transfer(self, source: str, target: str, amount: int) -> None:
        """Move `amount` from `source` to `target` and record it in `history`.

        Raises ValueError if both are the same account, KeyError if either is unknown, and
        InsufficientFunds if `source` cannot cover it; balances are unchanged on failure.
        """
        if source == target:
            raise ValueError("cannot transfer to the same account")
        for account in (source, target):
            self.balance(account)  # KeyError for an unknown account
        self._move(source, target, amount)

    def _move(self, source: str, target: str, amount: int) -> None:
        self.withdraw(source, amount)
        self.deposit(target, amount)
        self.history.append((source, target, amount))

    @staticmethod
    def _check_amount(amount: int) -> None:
        if amount <= 0:
            raise ValueError(f"amount must be positive, got {amount}")
