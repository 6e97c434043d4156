"""URL slugs for blog post titles: "Hello, World!" -> "hello-world"."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Container

_NON_ALPHANUMERIC = re.compile(r"[^a-z0-9]+")


def slugify(title: str, max_length: int | None = None) -> str:
    """Lower-case ASCII letters and digits, each run of anything else becoming one '-'.

    Accents are dropped ("Café" -> "cafe"), there is no '-' at either end, and with
    `max_length` the slug is cut to at most that many characters without a trailing '-'.
    """
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = _NON_ALPHANUMERIC.sub("-", ascii_title.lower()).strip("-")
    if max_length is not None:
        slug = slug[:max_length].rstrip("-")
    return slug


def unique_slug(title: str, taken: Container[str]) -> str:
    """`slugify(title)`, with "-2", "-3", ... appended until it is not in `taken`."""
    base = slugify(title) or "post"
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    return slug
