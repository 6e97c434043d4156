"""Render a template with a context; every value is escaped unless it is Markup."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tinytpl.filters import FILTERS
from tinytpl.lexer import Var, tokenize
from tinytpl.markup import escape


class TemplateError(Exception):
    """A malformed tag, an unknown filter, or a name missing from the context."""


def _lookup(context: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    value: Any = context
    for part in path:
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise TemplateError(f"{'.'.join(path)!r} is not defined")
    return value


def _evaluate(var: Var, context: Mapping[str, Any]) -> Any:
    value = _lookup(context, var.path)
    for flt in var.filters:
        if flt.name not in FILTERS:
            raise TemplateError(f"unknown filter {flt.name!r}")
        value = FILTERS[flt.name](value, flt.arg)
    return value


def render(template: str, context: Mapping[str, Any]) -> str:
    """Fill in `template`. Each tag's value, after its filters, is HTML-escaped unless it is
    Markup. Raises TemplateError for malformed tags, unknown filters and undefined names."""
    try:
        tokens = tokenize(template)
    except ValueError as exc:
        raise TemplateError(str(exc)) from None
    out = []
    for token in tokens:
        if isinstance(token, Var):
            out.append(escape(_evaluate(token, context)))
        else:
            out.append(token)
    return "".join(out)
