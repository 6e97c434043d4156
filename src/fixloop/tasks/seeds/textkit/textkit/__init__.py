"""Small text utilities: URL slugs, word wrap, word counts and identifier case."""

from textkit.case import is_snake, to_camel, to_snake
from textkit.counts import reading_time, top_words, word_counts
from textkit.slug import initials, slugify, truncate
from textkit.wrap import fill, justify, wrap

__all__ = [
    "fill",
    "initials",
    "is_snake",
    "justify",
    "reading_time",
    "slugify",
    "to_camel",
    "to_snake",
    "top_words",
    "truncate",
    "word_counts",
    "wrap",
]
