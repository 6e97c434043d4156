"""Sales tax on invoice lines.

Tax is worked out for each invoice line and rounded to the cent line by line; the tax of
an invoice is the sum of its line taxes. The tax office requires half a cent to be rounded
up.
"""

from __future__ import annotations

from decimal import Decimal

from ledger.rounding import round_cents


def line_tax(net: Decimal, rate: Decimal) -> Decimal:
    """Tax in whole cents on an invoice line with net amount `net` at `rate` (0.05 for 5%)."""
    return round_cents(net * rate)
