"""Temperature units for the weather station dashboard."""

from thermo.convert import convert

__all__ = ["convert"]
