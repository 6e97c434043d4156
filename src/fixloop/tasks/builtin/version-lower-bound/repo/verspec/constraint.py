"""Constraints like ">=1.2, <2.0": every comma-separated clause must hold."""

from __future__ import annotations

from collections.abc import Iterable

from verspec.version import parse_version

_OPERATORS = ("==", "!=", ">=", "<=", ">", "<")


def _split_clause(clause: str) -> tuple[str, str]:
    for op in _OPERATORS:
        if clause.startswith(op):
            return op, clause[len(op) :].strip()
    raise ValueError(f"constraint clause {clause!r} has no known operator")


def satisfies(version: str, constraint: str) -> bool:
    """True if `version` meets every clause of `constraint`.

    Clauses are separated by commas; each is one of ==, !=, >=, <=, >, < followed by a
    version. Raises ValueError for malformed versions or clauses.
    """
    current = parse_version(version)
    for clause in constraint.split(","):
        op, target_text = _split_clause(clause.strip())
        target = parse_version(target_text)
        if op == "==":
            ok = current == target
        elif op == "!=":
            ok = current != target
        elif op == ">=":
            ok = current > target
        elif op == "<=":
            ok = current <= target
        elif op == ">":
            ok = current > target
        else:
            ok = current < target
        if not ok:
            return False
    return True


def best_match(versions: Iterable[str], constraint: str) -> str | None:
    """The highest of `versions` that satisfies `constraint`, or None if none does."""
    matching = [v for v in versions if satisfies(v, constraint)]
    if not matching:
        return None
    return max(matching, key=parse_version)
