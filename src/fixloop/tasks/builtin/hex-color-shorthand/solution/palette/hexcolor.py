"""CSS-style hex colours: "#1e90ff", "1E90FF" and the shorthand "#fff".

Colours are (red, green, blue) tuples of integers from 0 to 255.
"""

from __future__ import annotations

import string

RGB = tuple[int, int, int]

_HEX_DIGITS = frozenset(string.hexdigits)


def parse_hex(text: str) -> RGB:
    """Parse a hex colour with or without the leading '#'.

    Six digits give two per channel; three digits are shorthand where each digit is
    doubled, so "#f80" is the same colour as "#ff8800".
    Raises ValueError for any other length or for non-hex characters.
    """
    digits = text.strip().removeprefix("#")
    if not digits or not set(digits) <= _HEX_DIGITS:
        raise ValueError(f"{text!r} is not a hex colour")
    if len(digits) == 3:
        red, green, blue = (int(digit, 16) * 17 for digit in digits)
    elif len(digits) == 6:
        red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    else:
        raise ValueError(f"{text!r} must have 3 or 6 hex digits")
    return red, green, blue


def to_hex(color: RGB) -> str:
    """Format `color` as "#rrggbb" in lower case. Raises ValueError for channels outside 0..255."""
    if any(not 0 <= channel <= 255 for channel in color):
        raise ValueError(f"{color} has a channel outside 0..255")
    return "#" + "".join(f"{channel:02x}" for channel in color)


def mix(first: str, second: str, weight: float = 0.5) -> str:
    """Blend two hex colours; `weight` is the share of `second` (0 gives `first`)."""
    a, b = parse_hex(first), parse_hex(second)
    blended = tuple(round(x + (y - x) * weight) for x, y in zip(a, b))
    return to_hex(blended)  # type: ignore[arg-type]
