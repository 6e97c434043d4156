"""Read the CSV exports the tills produce."""

from __future__ import annotations

import csv
import io

REQUIRED = ("date", "region", "store", "amount")


class ReaderError(ValueError):
    """An export that is not a sales CSV."""


def read_rows(text: str) -> list[dict[str, str]]:
    """The data rows of a CSV export as {column: cell}.

    Column names are matched without regard to case or surrounding blanks; the columns in
    REQUIRED must be present. Rows with the wrong number of cells are an error; completely
    empty lines are skipped. Cells are returned as written (not stripped).
    """
    records = [row for row in csv.reader(io.StringIO(text)) if row]
    if not records:
        raise ReaderError("the export is empty")
    header = [name.strip().lower() for name in records[0]]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise ReaderError(f"missing column(s): {', '.join(missing)}")
    rows = []
    for number, record in enumerate(records[1:], start=2):
        if len(record) != len(header):
            raise ReaderError(f"row {number} has {len(record)} cells, expected {len(header)}")
        rows.append(dict(zip(header, record)))
    return rows
