"""Pick package versions that satisfy every dependency constraint."""

from depsolve.constraint import Constraint, parse_constraint
from depsolve.errors import ResolutionError
from depsolve.lockfile import lock
from depsolve.registry import Registry
from depsolve.resolver import resolve
from depsolve.version import Version, parse_version

__all__ = [
    "Constraint",
    "Registry",
    "ResolutionError",
    "Version",
    "lock",
    "parse_constraint",
    "parse_version",
    "resolve",
]
