"""Filters usable in tags: `{{ name | upper }}`, `{{ bio | truncate:40 }}`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tinytpl.markup import Markup, escape


def _upper(value: Any, arg: str | None) -> str:
    return str(value).upper()


def _default(value: Any, arg: str | None) -> Any:
    return value if value not in (None, "") else (arg or "")


def _truncate(value: Any, arg: str | None) -> str:
    limit = int(arg or 80)
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _join(value: Any, arg: str | None) -> str:
    return (", " if arg is None else arg).join(str(item) for item in value)


def _escape(value: Any, arg: str | None) -> Markup:
    return escape(value)


def _safe(value: Any, arg: str | None) -> Markup:
    return Markup(value)


FILTERS: dict[str, Callable[[Any, str | None], Any]] = {
    "upper": _upper,
    "default": _default,
    "truncate": _truncate,
    "join": _join,
    "escape": _escape,
    "e": _escape,
    "safe": _safe,
}
