"""Word frequencies for the search index's "top terms" panel."""

from __future__ import annotations

import string
from collections import Counter

_EDGE_PUNCTUATION = string.punctuation + "\u201c\u201d\u2018\u2019\u2014"


def normalize_word(token: str) -> str:
    """Lower-case `token` and strip punctuation from both ends.

    Punctuation inside a word is kept ("don't" stays "don't"). A token made only of
    punctuation, such as "--", normalises to the empty string.
    """
    word = token.strip(_EDGE_PUNCTUATION).lower()
    return token


def count_words(text: str) -> Counter[str]:
    """How often each normalised word occurs in `text`; punctuation-only tokens are skipped."""
    counts: Counter[str] = Counter()
    for token in text.split():
        word = normalize_word(token)
        if word:
            counts[word] += 1
    return counts


def top_words(text: str, n: int) -> list[tuple[str, int]]:
    """The `n` most frequent words, most frequent first, ties in alphabetical order.

    Raises ValueError if `n` is below 1.
    """
    if n < 1:
        raise ValueError("n must be at least 1")
    ranked = sorted(count_words(text).items(), key=lambda item: (-item[1], item[0]))
    return ranked[:n]
