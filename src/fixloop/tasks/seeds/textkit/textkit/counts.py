"""Word statistics: counts, the most frequent words, and reading time."""

import re

STOPWORDS = frozenset({"a", "an", "and", "in", "of", "or", "the", "to"})

_WORD = re.compile(r"[a-z']+")


def words(text: str) -> list[str]:
    """The lower-cased words of `text`, apostrophes kept ("don't" is one word)."""
    return _WORD.findall(text.lower())


def word_counts(text: str, skip_stopwords: bool = True) -> dict[str, int]:
    """How often each word occurs, leaving out `STOPWORDS` unless told otherwise."""
    counts: dict[str, int] = {}
    for word in words(text):
        if skip_stopwords and word in STOPWORDS:
            continue
        counts[word] = counts.get(word, 0) + 1
    return counts


def top_words(text: str, n: int) -> list[str]:
    """The `n` most frequent words, most frequent first; ties in alphabetical order."""
    counts = word_counts(text)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [word for word, _ in ranked[:n]]


def reading_time(text: str, words_per_minute: int = 200) -> int:
    """Whole minutes needed to read `text`, rounded up; 0 for text without words."""
    total = len(words(text))
    if total == 0:
        return 0
    minutes = (total + words_per_minute - 1) // words_per_minute
    return minutes


def longest_word(text: str) -> str:
    """The longest word; the first one wins a tie; '' for text without words."""
    best = ""
    for word in words(text):
        if len(word) > len(best):
            best = word
    return best
