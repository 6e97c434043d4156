"""Cents to display text."""

from __future__ import annotations


def format_cents(cents: int) -> str:
    """1234567 -> "12,345.67"; -5 -> "-0.05"."""
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole:,}.{fraction:02d}"
