"""Build and take apart the URLs our API clients send."""

from urlkit.query import build_query, parse_query
from urlkit.url import Url

__all__ = ["Url", "build_query", "parse_query"]
