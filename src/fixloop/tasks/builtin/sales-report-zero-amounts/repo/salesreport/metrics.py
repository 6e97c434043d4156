"""The figures reported for each group of sales.

Each metric takes the amounts of one group's sales, with None for a sale whose amount
was not recorded. Missing amounts are skipped by every metric except `rows`, which counts
sales. An amount of 0 is a real amount (a day without takings) and is never skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import ROUND_HALF_UP, Decimal

Amounts = Sequence[Decimal | None]
CENT = Decimal("0.01")


def present(amounts: Amounts) -> list[Decimal]:
    """The recorded amounts, in order."""
    return list(filter(None, amounts))


def rows(amounts: Amounts) -> int:
    """How many sales the group has, recorded or not."""
    return len(amounts)


def total(amounts: Amounts) -> Decimal:
    """The sum of the recorded amounts (0 when there are none)."""
    return sum(present(amounts), Decimal("0"))


def mean(amounts: Amounts) -> Decimal | None:
    """The average recorded amount, to the cent; None when no amount is recorded."""
    recorded = present(amounts)
    if not recorded:
        return None
    return (sum(recorded, Decimal("0")) / len(recorded)).quantize(CENT, rounding=ROUND_HALF_UP)


def largest(amounts: Amounts) -> Decimal | None:
    """The largest recorded amount; None when no amount is recorded."""
    recorded = present(amounts)
    return max(recorded) if recorded else None


def coverage(amounts: Amounts) -> int:
    """The share of sales with a recorded amount, in whole percent (rounded half up)."""
    if not amounts:
        return 0
    share = Decimal(100 * len(present(amounts))) / len(amounts)
    return int(share.quantize(Decimal("1"), rounding=ROUND_HALF_UP))


METRICS: dict[str, Callable[[Amounts], object]] = {
    "rows": rows,
    "total": total,
    "mean": mean,
    "max": largest,
    "coverage": coverage,
}
