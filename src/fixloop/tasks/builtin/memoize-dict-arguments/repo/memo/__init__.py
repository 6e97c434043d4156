"""Memoization for the slow lookups in the reporting service."""

from memo.decorator import memoize
from memo.stats import CacheInfo

__all__ = ["CacheInfo", "memoize"]
