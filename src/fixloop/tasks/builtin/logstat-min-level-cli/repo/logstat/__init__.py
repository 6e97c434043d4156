"""logstat: quick counts over application log files."""

from logstat.cli import main

__all__ = ["main"]
