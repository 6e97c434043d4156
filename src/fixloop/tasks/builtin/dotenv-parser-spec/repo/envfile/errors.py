"""Errors raised while reading `.env` files."""

from __future__ import annotations


class DotenvError(ValueError):
    """A line of a `.env` file that breaks the format; `lineno` is 1-based."""

    def __init__(self, lineno: int, message: str) -> None:
        super().__init__(f"line {lineno}: {message}")
        self.lineno = lineno
