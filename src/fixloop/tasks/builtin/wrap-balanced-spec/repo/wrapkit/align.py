"""Set a line of words to a width."""

from __future__ import annotations

from collections.abc import Sequence

ALIGNMENTS = ("left", "right", "center", "justify")


def align_line(words: Sequence[str], width: int, how: str = "left", last: bool = False) -> str:
    """The words of one line set in `width` columns.

    - left: single spaces, no padding.
    - right: single spaces, padded on the left to `width`.
    - center: single spaces, padded on the left by half the free space (rounded down);
      no padding on the right.
    - justify: padded to exactly `width` by widening the gaps between words: every gap gets
      the same number of spaces, and the leftover spaces go one each to the leftmost gaps.
      The last line of a paragraph (`last=True`) and a line with one word are set left.
    A line longer than `width` is always returned as it is, set left.
    """
    if how not in ALIGNMENTS:
        raise ValueError(f"unknown alignment {how!r}")
    text = " ".join(words)
    free = width - len(text)
    if free <= 0 or how == "left":
        return text
    if how == "right":
        return " " * free + text
    if how == "center":
        return " " * (free // 2) + text
    if last or len(words) < 2:
        return text
    gaps = len(words) - 1
    spaces = width - sum(len(word) for word in words)
    base, extra = divmod(spaces, gaps)
    out = words[0]
    for index, word in enumerate(words[1:]):
        out += " " * (base + (1 if index < extra else 0)) + word
    return out
