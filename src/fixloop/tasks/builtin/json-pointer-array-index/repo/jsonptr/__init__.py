"""JSON Pointer (RFC 6901) lookups and a small JSON-Patch-style editor."""

from jsonptr.errors import PointerError
from jsonptr.patch import apply_patch
from jsonptr.resolve import exists, get, get_or
from jsonptr.tokens import pointer_from, split_pointer

__all__ = ["PointerError", "apply_patch", "exists", "get", "get_or", "pointer_from", "split_pointer"]
