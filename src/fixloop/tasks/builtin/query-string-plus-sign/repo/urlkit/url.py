"""An immutable URL value with helpers to extend its path and query."""

from __future__ import annotations

from dataclasses import dataclass, replace

from urlkit.encoding import encode_segment, percent_decode
from urlkit.query import Params, _pairs, build_query, parse_query


@dataclass(frozen=True)
class Url:
    """scheme://host/segment/segment?query#fragment, with the path kept as decoded segments."""

    scheme: str
    host: str
    segments: tuple[str, ...] = ()
    query: tuple[tuple[str, str], ...] = ()
    fragment: str = ""

    @classmethod
    def parse(cls, text: str) -> Url:
        """Parse an absolute URL. Raises ValueError when there is no scheme or host."""
        scheme, sep, rest = text.partition("://")
        if not sep or not scheme:
            raise ValueError(f"not an absolute URL: {text!r}")
        rest, _, fragment = rest.partition("#")
        rest, _, query = rest.partition("?")
        host, _, path = rest.partition("/")
        if not host:
            raise ValueError(f"URL has no host: {text!r}")
        segments = tuple(percent_decode(s) for s in path.split("/") if s)
        pairs = tuple((name, value) for name, values in parse_query(query).items() for value in values)
        return cls(scheme.lower(), host.lower(), segments, pairs, percent_decode(fragment))

    @property
    def path(self) -> str:
        return "/" + "/".join(encode_segment(s) for s in self.segments)

    def joinpath(self, *segments: str) -> Url:
        """This URL with `segments` appended to the path; each is escaped as one segment."""
        return replace(self, segments=self.segments + segments)

    def with_params(self, params: Params = (), **named: str) -> Url:
        """This URL with the given query parameters appended after the existing ones."""
        added = _pairs(params) + list(named.items())
        return replace(self, query=self.query + tuple(added))

    def params(self) -> dict[str, list[str]]:
        """The query as {name: [values in order]}."""
        grouped: dict[str, list[str]] = {}
        for name, value in self.query:
            grouped.setdefault(name, []).append(value)
        return grouped

    def __str__(self) -> str:
        text = f"{self.scheme}://{self.host}{self.path}"
        if self.query:
            text += "?" + build_query(self.query)
        if self.fragment:
            text += "#" + encode_segment(self.fragment)
        return text
