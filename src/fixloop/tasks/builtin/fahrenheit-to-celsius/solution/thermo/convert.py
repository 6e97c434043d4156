"""Convert temperatures between Celsius ("C"), Fahrenheit ("F") and Kelvin ("K").

Every conversion goes through Celsius. Unit names are case-insensitive.
"""

from __future__ import annotations

ABSOLUTE_ZERO_C = -273.15
UNITS = ("C", "F", "K")


def _to_celsius(value: float, unit: str) -> float:
    if unit == "F":
        return (value - 32) * 5 / 9
    if unit == "K":
        return value + ABSOLUTE_ZERO_C
    return value


def _from_celsius(celsius: float, unit: str) -> float:
    if unit == "F":
        return celsius * 9 / 5 + 32
    if unit == "K":
        return celsius - ABSOLUTE_ZERO_C
    return celsius


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Return `value` in `from_unit` expressed in `to_unit`, rounded to 2 decimal places.

    Raises ValueError for an unknown unit or a temperature below absolute zero.
    """
    source, target = from_unit.upper(), to_unit.upper()
    for unit in (source, target):
        if unit not in UNITS:
            raise ValueError(f"unknown temperature unit {unit!r}; use one of {', '.join(UNITS)}")
    celsius = _to_celsius(value, source)
    if celsius < ABSOLUTE_ZERO_C:
        raise ValueError(f"{value} {source} is below absolute zero")
    return round(_from_celsius(celsius, target), 2)
