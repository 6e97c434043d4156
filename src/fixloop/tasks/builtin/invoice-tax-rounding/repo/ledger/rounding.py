"""Rounding money amounts (Decimals in currency units, e.g. dollars) to whole cents."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")


def round_cents(amount: Decimal) -> Decimal:
    """`amount` rounded to whole cents, ties going to the even cent (banker's rounding).

    Ties-to-even is unbiased over many postings, so interest accrued day after day does
    not drift in favour of either the bank or the customer.
    """
    return amount.quantize(CENT, rounding=ROUND_HALF_EVEN)
