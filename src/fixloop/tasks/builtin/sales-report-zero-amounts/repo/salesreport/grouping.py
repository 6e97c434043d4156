"""Group sales by one of their attributes."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

from salesreport.cleaner import Sale

KEYS: dict[str, Callable[[Sale], str]] = {
    "region": lambda sale: sale.region,
    "store": lambda sale: sale.store,
    "month": lambda sale: sale.day.strftime("%Y-%m"),
}


def group_amounts(sales: Iterable[Sale], by: str) -> dict[str, list[Decimal | None]]:
    """{group: amounts of its sales in input order, None where missing}, sorted by group."""
    if by not in KEYS:
        raise ValueError(f"cannot group by {by!r}; choose one of {', '.join(KEYS)}")
    key = KEYS[by]
    groups: dict[str, list[Decimal | None]] = {}
    for sale in sales:
        groups.setdefault(key(sale), []).append(sale.amount)
    return dict(sorted(groups.items()))
