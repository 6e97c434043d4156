"""Colour helpers for the theme editor."""

from palette.hexcolor import mix, parse_hex, to_hex

__all__ = ["mix", "parse_hex", "to_hex"]
