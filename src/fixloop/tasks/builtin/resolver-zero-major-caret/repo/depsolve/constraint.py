"""Version constraints, as written in a package's dependency list.

A constraint is a comma-separated list of clauses; a version satisfies the constraint
when it satisfies every clause. Versions in clauses may be partial (`1.4`, `2`); missing
parts count as 0 unless a clause below says otherwise.

| Clause        | Allows                                                   |
|---------------|----------------------------------------------------------|
| `*`           | every version                                            |
| `1.4.2`       | exactly 1.4.2 (same as `==1.4.2`)                        |
| `==V`, `!=V`  | exactly V / everything but V                             |
| `>=V`, `>V`, `<=V`, `<V` | the usual comparisons                         |
| `~V`          | patch releases of V: `>=V` and below the next minor release; with only a major part (`~1`) below the next major release |
| `^V`          | releases compatible with V (see below)                   |

Caret (`^V`): `>=V` and below the next release that changes the left-most non-zero part
of V as written, since for 0.x releases every minor (and for 0.0.x every patch) release
may break compatibility. Parts that are not written count as free to change:

| Written  | Means              |
|----------|--------------------|
| `^1.2.3` | `>=1.2.3, <2.0.0`  |
| `^1.2`   | `>=1.2.0, <2.0.0`  |
| `^1`     | `>=1.0.0, <2.0.0`  |
| `^0.2.3` | `>=0.2.3, <0.3.0`  |
| `^0.2`   | `>=0.2.0, <0.3.0`  |
| `^0.0.3` | `>=0.0.3, <0.0.4`  |
| `^0.0`   | `>=0.0.0, <0.1.0`  |
| `^0`     | `>=0.0.0, <1.0.0`  |
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass

from depsolve.version import Version, pad, parse_partial

_COMPARISONS: dict[str, Callable[[Version, Version], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
}
_CLAUSE = re.compile(r"(==|!=|>=|<=|>|<|~|\^)?\s*(\S+)")


@dataclass(frozen=True)
class Constraint:
    """A parsed constraint: the original text and its clauses as (operator, version)."""

    text: str
    clauses: tuple[tuple[str, Version], ...]

    def allows(self, version: Version) -> bool:
        return all(_COMPARISONS[op](version, bound) for op, bound in self.clauses)

    def __str__(self) -> str:
        return self.text


def parse_constraint(text: str) -> Constraint:
    """Parse `text` (see the module docstring). Raises ValueError when it is malformed."""
    clauses: list[tuple[str, Version]] = []
    for raw in text.split(","):
        raw = raw.strip()
        if raw == "*":
            continue
        match = _CLAUSE.fullmatch(raw)
        if match is None:
            raise ValueError(f"bad constraint clause {raw!r} in {text!r}")
        op, version_text = match.group(1) or "==", match.group(2)
        parts = parse_partial(version_text)
        if op == "~":
            clauses += _tilde(parts)
        elif op == "^":
            clauses += _caret(parts)
        else:
            clauses.append((op, pad(parts)))
    return Constraint(text.strip(), tuple(clauses))


def _tilde(parts: tuple[int, ...]) -> list[tuple[str, Version]]:
    low = pad(parts)
    high = low.bump_major() if len(parts) == 1 else low.bump_minor()
    return [(">=", low), ("<", high)]


def _caret(parts: tuple[int, ...]) -> list[tuple[str, Version]]:
    low = pad(parts)
    return [(">=", low), ("<", low.bump_major())]
