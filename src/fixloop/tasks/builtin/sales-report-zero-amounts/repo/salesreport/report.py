"""Plain-text tables."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal


def format_cell(value: object) -> str:
    """None -> `-`, Decimal -> two decimals with thousands separators, else str()."""
    if value is None:
        return "-"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)


def render_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """A table with a header line and one line per row. The first column is left-aligned,
    the others right-aligned; columns are two spaces apart and as wide as their widest cell.
    Lines carry no trailing blanks."""
    cells = [list(headers)] + [[format_cell(value) for value in row] for row in rows]
    widths = [max(len(line[col]) for line in cells) for col in range(len(headers))]
    lines = []
    for line in cells:
        parts = [line[0].ljust(widths[0])]
        parts += [cell.rjust(width) for cell, width in zip(line[1:], widths[1:])]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines) + "\n"
