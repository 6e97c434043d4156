"""A tiny CSV writer for exports (RFC 4180)."""

from csvout.writer import format_row, format_table, quote_field

__all__ = ["format_row", "format_table", "quote_field"]
