"""Write rows as RFC 4180 CSV text.

Exports are read back by spreadsheets and by Python's `csv` module, so fields must follow
the RFC: fields holding a comma, a double quote, a line break or leading/trailing spaces
are wrapped in double quotes, and rows end with CRLF.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

_SPECIAL = (",", '"', "\n", "\r")


def quote_field(value: object) -> str:
    """Return `value` as one CSV field; None becomes the empty field."""
    text = "" if value is None else str(value)
    if any(ch in text for ch in _SPECIAL) or text != text.strip():
        return '"' + text.replace('"', '\\"') + '"'
    return text


def format_row(values: Iterable[object]) -> str:
    """One CSV line (without the line ending)."""
    return ",".join(quote_field(value) for value in values)


def format_table(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """The header and every row, each terminated by CRLF."""
    lines = [format_row(header), *(format_row(row) for row in rows)]
    return "".join(line + "\r\n" for line in lines)
