"""In-process caching with a size bound and per-entry expiry."""

from memo.cache import TTLCache
from memo.memoize import memoize

__all__ = ["TTLCache", "memoize"]
