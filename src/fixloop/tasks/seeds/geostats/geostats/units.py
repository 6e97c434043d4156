"""Convert lengths and temperatures between units."""

METRES_PER_UNIT = {"mm": 0.001, "cm": 0.01, "m": 1.0, "km": 1000.0, "in": 0.0254, "ft": 0.3048}

TEMPERATURE_UNITS = ("C", "F", "K")


def convert_length(value: float, source: str, target: str) -> float:
    """`value` in unit `source`, expressed in unit `target`; raises KeyError for unknown units."""
    metres = value * METRES_PER_UNIT[source]
    return metres / METRES_PER_UNIT[target]


def to_celsius(value: float, unit: str) -> float:
    """`value` degrees of `unit` (C, F or K) in degrees Celsius."""
    if unit == "C":
        return value
    if unit == "F":
        return (value - 32) * 5 / 9
    if unit == "K":
        return value - 273.15
    raise ValueError(f"unknown temperature unit {unit!r}; use one of {TEMPERATURE_UNITS}")


def from_celsius(value: float, unit: str) -> float:
    """`value` degrees Celsius in degrees of `unit` (C, F or K)."""
    if unit == "C":
        return value
    if unit == "F":
        return value * 9 / 5 + 32
    if unit == "K":
        return value + 273.15
    raise ValueError(f"unknown temperature unit {unit!r}; use one of {TEMPERATURE_UNITS}")


def convert_temperature(value: float, source: str, target: str) -> float:
    """`value` degrees of `source` in degrees of `target`, rounded to 2 decimals."""
    celsius = to_celsius(value, source)
    return round(from_celsius(celsius, target), 2)
