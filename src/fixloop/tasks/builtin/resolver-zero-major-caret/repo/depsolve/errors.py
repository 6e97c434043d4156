"""Errors raised by depsolve."""


class ResolutionError(ValueError):
    """No set of versions satisfies the constraints, or a package is unknown."""
