"""Sales tax on invoice lines.

Tax is worked out for each invoice line and rounded to the cent line by line; the tax of
an invoice is the sum of its line taxes. The tax office requires half a cent to be rounded
up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from ledger.rounding import CENT


def line_tax(net: Decimal, rate: Decimal) -> Decimal:
    """Tax in whole cents on an invoice line with net amount `net` at `rate` (0.05 for 5%)."""
    return (net * rate).quantize(CENT, rounding=ROUND_HALF_UP)
