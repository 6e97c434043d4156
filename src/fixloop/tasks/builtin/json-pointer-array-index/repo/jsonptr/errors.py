"""Errors raised by pointer lookups and patches."""


class PointerError(LookupError):
    """A malformed pointer, or one that names nothing in the document."""
