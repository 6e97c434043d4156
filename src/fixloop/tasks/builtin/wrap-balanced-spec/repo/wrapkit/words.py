"""Split text into paragraphs of words."""

from __future__ import annotations


def paragraphs(text: str) -> list[list[str]]:
    """The words of each paragraph of `text`. Paragraphs are separated by lines that are
    empty or hold only whitespace; words are separated by any whitespace."""
    found: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current += line.split()
        elif current:
            found.append(current)
            current = []
    if current:
        found.append(current)
    return found
