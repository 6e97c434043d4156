"""Query strings: `a=1&b=two+words`, with repeated names allowed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from urlkit.encoding import decode_form, encode_form

Params = Mapping[str, str | Iterable[str]] | Iterable[tuple[str, str]]


def _pairs(params: Params) -> list[tuple[str, str]]:
    if isinstance(params, Mapping):
        pairs = []
        for name, value in params.items():
            if isinstance(value, str):
                pairs.append((name, value))
            else:
                pairs.extend((name, item) for item in value)
        return pairs
    return [(name, value) for name, value in params]


def build_query(params: Params) -> str:
    """Encode `params` as a query string (no leading '?').

    `params` is a mapping of name to a value or a list of values, or a sequence of
    (name, value) pairs; pairs keep their order and names may repeat.
    """
    return "&".join(f"{encode_form(name)}={encode_form(value)}" for name, value in _pairs(params))


def parse_query(query: str) -> dict[str, list[str]]:
    """Decode a query string into {name: [values in order]}.

    A leading '?' is ignored, empty pieces are skipped, and `name` without '=' has the
    value "".
    """
    result: dict[str, list[str]] = {}
    for piece in query.removeprefix("?").split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        result.setdefault(decode_form(name), []).append(decode_form(value))
    return result
