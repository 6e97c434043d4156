"""Percent-encoding (RFC 3986) for path segments and form-encoded query strings."""

from __future__ import annotations

import string

UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")
"""Characters that never need escaping anywhere in a URL."""

PATH_SAFE = frozenset("!$&'()*+,;=:@")
"""Characters RFC 3986 allows literally inside a path segment, besides the unreserved ones."""

FORM_SAFE = PATH_SAFE - {"&", "=", "+"}
"""Characters left literal in a query-string name or value: the path ones minus the
query delimiters and '+', which form encoding uses for a space."""


def percent_encode(text: str, safe: frozenset[str] = frozenset()) -> str:
    """Escape every character of `text` that is not unreserved or in `safe` as UTF-8 %XX."""
    out = []
    for char in text:
        if char in UNRESERVED or char in safe:
            out.append(char)
        else:
            out.extend(f"%{byte:02X}" for byte in char.encode("utf-8"))
    return "".join(out)


def percent_decode(text: str) -> str:
    """Undo `percent_encode`; a '%' not followed by two hex digits is kept as it is."""
    data = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        hex_digits = text[i + 1 : i + 3]
        if char == "%" and len(hex_digits) == 2 and all(c in string.hexdigits for c in hex_digits):
            data.append(int(hex_digits, 16))
            i += 3
        else:
            data.extend(char.encode("utf-8"))
            i += 1
    return data.decode("utf-8", errors="replace")


def encode_segment(segment: str) -> str:
    """Escape one path segment; '/' is always escaped so the segment stays one segment."""
    return percent_encode(segment, PATH_SAFE)


def encode_form(text: str) -> str:
    """Escape a query-string name or value (application/x-www-form-urlencoded style).

    A space is written as '+'.
    """
    return percent_encode(text, FORM_SAFE | {" "}).replace(" ", "+")


def decode_form(text: str) -> str:
    """Undo `encode_form`: '+' means a space, then %XX escapes are decoded."""
    return percent_decode(text.replace("+", " "))
