"""Roman numerals for chapter and clause numbers, from 1 to 3999."""

from __future__ import annotations

_NUMERALS = [
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
]
_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def to_roman(number: int) -> str:
    """Return `number` as a Roman numeral, e.g. 14 -> "XIV".

    Raises ValueError unless 1 <= number <= 3999.
    """
    if not 1 <= number <= 3999:
        raise ValueError(f"{number} cannot be written as a Roman numeral")
    parts = []
    for value, symbol in _NUMERALS:
        count, number = divmod(number, value)
        parts.append(symbol * count)
    return "".join(parts)


def from_roman(text: str) -> int:
    """Return the value of the numeral `text`, e.g. "XIV" -> 14. Case does not matter.

    A symbol written before a larger one is subtracted ("IV" is 4); otherwise symbols add up.
    Raises ValueError for empty text or characters that are not Roman numerals.
    """
    symbols = text.strip().upper()
    if not symbols:
        raise ValueError("empty Roman numeral")
    try:
        values = [_VALUES[ch] for ch in symbols]
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a Roman numeral") from None
    total = 0
    for value, following in zip(values, values[1:] + [0]):
        if value <= following:
            total -= value
        else:
            total += value
    return total
