"""Version numbers and the constraints packages declare on each other."""

from verspec.constraint import best_match, satisfies
from verspec.version import parse_version

__all__ = ["best_match", "parse_version", "satisfies"]
