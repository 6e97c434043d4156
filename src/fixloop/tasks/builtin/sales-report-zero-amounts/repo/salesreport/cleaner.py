"""Turn raw CSV cells into typed sales."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

MISSING = frozenset({"", "n/a", "na", "-", "?"})
"""Cell texts (after stripping, in lower case) that mean the amount was not recorded."""


class CleaningError(ValueError):
    """A cell that cannot be understood."""


@dataclass(frozen=True)
class Sale:
    day: date
    region: str
    store: str
    amount: Decimal | None
    """None when the till did not record an amount; Decimal("0") is a day without sales."""


def clean_amount(cell: str) -> Decimal | None:
    """The amount in `cell`: None for a MISSING cell, otherwise a Decimal.

    Thousands separators and a leading currency sign are dropped, and an amount in
    parentheses is negative, as accountants write refunds: `(35.00)` is -35.00.
    """
    text = cell.strip().lower()
    if text in MISSING:
        return None
    negative = text.startswith("(") and text.endswith(")")
    if negative:
        text = text[1:-1].strip()
    text = text.removeprefix("$").replace(",", "")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise CleaningError(f"not an amount: {cell!r}") from None
    return -amount if negative else amount


def clean_rows(rows: Iterable[dict[str, str]]) -> list[Sale]:
    """Typed sales from raw rows. Regions are stripped and title-cased (`north ` -> `North`),
    store codes stripped and upper-cased, dates read as YYYY-MM-DD."""
    sales = []
    for row in rows:
        try:
            day = date.fromisoformat(row["date"].strip())
        except ValueError:
            raise CleaningError(f"not a date: {row['date']!r}") from None
        sales.append(
            Sale(
                day=day,
                region=row["region"].strip().title(),
                store=row["store"].strip().upper(),
                amount=clean_amount(row["amount"]),
            )
        )
    return sales
