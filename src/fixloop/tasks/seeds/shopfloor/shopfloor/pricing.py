"""Prices in whole cents: bulk discounts, sales tax and display format."""

TAX_RATES = {"standard": 0.20, "reduced": 0.05, "zero": 0.0}

# (minimum quantity, discount), largest threshold first: the first that applies wins.
BULK_DISCOUNTS = [(100, 0.15), (50, 0.10), (10, 0.05)]


def bulk_discount(quantity: int) -> float:
    """The discount rate for buying `quantity` of one item."""
    for threshold, rate in BULK_DISCOUNTS:
        if quantity >= threshold:
            return rate
    return 0.0


def percent_of(amount: int, rate: float) -> int:
    """`amount * rate`, rounded to the nearest cent (halves away from zero)."""
    exact = abs(amount) * rate
    cents = int(exact + 0.5)
    return cents if amount >= 0 else -cents


def line_total(unit_price: int, quantity: int) -> int:
    """What `quantity` items at `unit_price` cost after the bulk discount."""
    gross = unit_price * quantity
    discount = percent_of(gross, bulk_discount(quantity))
    return gross - discount


def with_tax(net: int, category: str = "standard") -> int:
    """`net` plus the tax of its category; raises KeyError for an unknown category."""
    if category not in TAX_RATES:
        raise KeyError(f"unknown tax category {category!r}")
    tax = percent_of(net, TAX_RATES[category])
    return net + tax


def format_cents(cents: int) -> str:
    """1234 -> '$12.34', -5 -> '-$0.05'."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}${whole}.{fraction:02d}"
