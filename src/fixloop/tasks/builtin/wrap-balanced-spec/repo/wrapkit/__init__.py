"""Fill and align paragraphs of plain text to a fixed width."""

from wrapkit.align import align_line
from wrapkit.balance import balanced_lines
from wrapkit.greedy import greedy_lines
from wrapkit.layout import format_text
from wrapkit.words import paragraphs

__all__ = ["align_line", "balanced_lines", "format_text", "greedy_lines", "paragraphs"]
