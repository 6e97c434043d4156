"""Split a template into literal text and `{{ expression | filter:arg }}` tags."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TAG = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)


@dataclass(frozen=True)
class Filter:
    name: str
    arg: str | None = None


@dataclass(frozen=True)
class Var:
    """A `{{ name.attr | filter | filter:arg }}` tag."""

    path: tuple[str, ...]
    filters: tuple[Filter, ...] = ()


def _parse_tag(body: str) -> Var:
    first, *rest = [part.strip() for part in body.split("|")]
    if not first or not all(part.isidentifier() for part in first.split(".")):
        raise ValueError(f"bad expression {body.strip()!r}")
    filters = []
    for part in rest:
        name, colon, arg = part.partition(":")
        if not name.strip().isidentifier():
            raise ValueError(f"bad filter {part!r}")
        filters.append(Filter(name.strip(), arg.strip().strip("'\"") if colon else None))
    return Var(tuple(first.split(".")), tuple(filters))


def tokenize(template: str) -> list[str | Var]:
    """Literal strings and `Var` tags, in order. Raises ValueError for a malformed tag."""
    tokens: list[str | Var] = []
    pos = 0
    for match in _TAG.finditer(template):
        if match.start() > pos:
            tokens.append(template[pos : match.start()])
        tokens.append(_parse_tag(match.group(1)))
        pos = match.end()
    if pos < len(template):
        tokens.append(template[pos:])
    return tokens
