"""Money is kept as integer cents everywhere; this module converts at the edges."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def to_cents(amount: str) -> int:
    """Parse a decimal amount such as "12.5" or "1249.99" into cents.

    Raises ValueError for text that is not a number or has fractions of a cent.
    """
    try:
        value = Decimal(amount.strip()) * 100
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc
    if value != value.to_integral_value():
        raise ValueError(f"amount {amount!r} has fractions of a cent")
    return int(value)


def format_cents(cents: int, symbol: str = "$") -> str:
    """Display form of an amount in cents: 123456 -> "$1,234.56", -250 -> "-$2.50"."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{fraction:02d}"
