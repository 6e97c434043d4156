"""Format whole texts."""

from __future__ import annotations

from wrapkit.align import align_line
from wrapkit.balance import balanced_lines
from wrapkit.greedy import greedy_lines
from wrapkit.words import paragraphs

BREAKERS = {"greedy": greedy_lines, "balanced": balanced_lines}


def format_text(text: str, width: int, align: str = "left", breaking: str = "greedy") -> str:
    """`text` refilled to `width` columns.

    Each paragraph is broken into lines with the `breaking` method ("greedy": first fit;
    "balanced": even right margin, see SPEC.md) and each line aligned with `align` (see
    wrapkit.align). Paragraphs are separated by one empty line; every line ends with a
    newline. Empty text gives "".
    """
    if breaking not in BREAKERS:
        raise ValueError(f"unknown line breaking {breaking!r}")
    blocks = []
    for words in paragraphs(text):
        lines = BREAKERS[breaking](words, width)
        blocks.append(
            "".join(
                align_line(line, width, align, last=index == len(lines) - 1) + "\n"
                for index, line in enumerate(lines)
            )
        )
    return "\n".join(blocks)
