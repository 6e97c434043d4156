"""North American phone numbers in E.164 form ("+15551234567").

People type numbers in many shapes; we store and compare them in one canonical form.
"""

from __future__ import annotations

from collections.abc import Iterable

_ALLOWED_PUNCTUATION = frozenset(" -().+")


def normalize_phone(raw: str) -> str:
    """Return `raw` in E.164 form, e.g. "(555) 123-4567" -> "+15551234567".

    Accepts 10 digits, or 11 digits starting with the country code 1, mixed with any of
    the characters " -().+". Raises ValueError for anything else.
    """
    stray = sorted({ch for ch in raw if not ch.isdigit() and ch not in _ALLOWED_PUNCTUATION})
    if stray:
        raise ValueError(f"unexpected characters {''.join(stray)!r} in phone number {raw!r}")
    digits = "".join(ch for ch in raw if ch.isdigit())
    if len(digits) == 10:
        digits = "1" + digits
    if len(digits) != 11 or not digits.startswith("1"):
        raise ValueError(f"{raw!r} is not a North American phone number")
    return "+" + digits


def same_number(a: str, b: str) -> bool:
    """True if `a` and `b` are the same phone number, however they are written."""
    return normalize_phone(a) == normalize_phone(b)


def dedupe_numbers(numbers: Iterable[str]) -> list[str]:
    """Normalised numbers with duplicates removed, in order of first appearance."""
    seen: dict[str, None] = {}
    for number in numbers:
        seen.setdefault(normalize_phone(number), None)
    return list(seen)
