"""Turn titles into URL slugs, names into initials, and long text into previews."""

import re

_NOT_WORD = re.compile(r"[^a-z0-9]+")

# Symbols that carry meaning in a title are spelled out before the slug drops them.
SYMBOL_WORDS = {"&": " and ", "@": " at ", "+": " plus ", "%": " percent "}


def slugify(title: str, max_length: int = 40) -> str:
    """Lower-case `title`, spell out symbols, join the words with '-'.

    The slug never exceeds `max_length`: it stops before the first word that would not fit.
    """
    text = title.lower()
    for symbol, word in SYMBOL_WORDS.items():
        text = text.replace(symbol, word)
    words = [word for word in _NOT_WORD.split(text) if word]
    slug = ""
    for word in words:
        candidate = word if not slug else slug + "-" + word
        if len(candidate) > max_length:
            break
        slug = candidate
    return slug


def truncate(text: str, width: int, ellipsis: str = "...") -> str:
    """`text` when it fits in `width` characters, else cut so that it ends in `ellipsis`."""
    if len(text) <= width:
        return text
    if width <= len(ellipsis):
        return ellipsis[:width]
    kept = text[: width - len(ellipsis)]
    return kept.rstrip() + ellipsis


def initials(name: str, limit: int = 3) -> str:
    """Upper-case first letters of the first `limit` words: 'ada king lovelace' -> 'AKL'."""
    letters = [word[0].upper() for word in name.split() if word[0].isalpha()]
    return "".join(letters[:limit])
