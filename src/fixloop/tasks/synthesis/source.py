"""A parsed module that maps its AST nodes back to exact spans of the original text.

Mutation operators find a node with `ast` and replace exactly its text, so that comments
and formatting elsewhere in the file survive. AST columns are UTF-8 byte offsets; the
spans here are character offsets into the module's text.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeVar

from fixloop.tasks.python_parse import parse_python

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
# What may stand between two operands besides the operator: brackets, blanks, continuations.
_GAP_FILLER = re.compile(r"[\s()\\]*")

NodeT = TypeVar("NodeT", bound=ast.AST)


@dataclass(frozen=True)
class Edit:
    """Replace the text between character offsets `start` and `end` with `text`."""

    start: int
    end: int
    text: str


class SourceModule:
    """A module's text and AST, with the text span of every located node.

    Raises SyntaxError (from parsing) when `text` is not valid Python.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.tree = parse_python(text)
        self._lines = [match.end() for match in _LINE_BREAK.finditer(text)]
        self._lines.insert(0, 0)
        self._in_fstring = {
            id(inner)
            for node in ast.walk(self.tree)
            if isinstance(node, ast.JoinedStr)
            for inner in ast.walk(node)
        }

    def nodes(self, kind: type[NodeT]) -> list[NodeT]:
        """Every editable node of type `kind`, in source order."""
        return self.in_order(node for node in ast.walk(self.tree) if isinstance(node, kind))

    def in_order(self, nodes: Iterable[NodeT]) -> list[NodeT]:
        """The editable ones of `nodes`, in source order (outer before inner at equal starts)."""
        editable = [node for node in nodes if self.editable(node)]
        return sorted(editable, key=lambda node: (self.span(node)[0], -self.span(node)[1]))

    def editable(self, node: ast.AST) -> bool:
        """False for nodes inside f-strings, whose positions are unreliable before Python 3.12."""
        return id(node) not in self._in_fstring

    def offset(self, line: int, col: int) -> int:
        """The character offset of AST position (`line` 1-based, `col` in UTF-8 bytes)."""
        start = self._lines[line - 1]
        line_text = self.text[start : start + col]
        # `col` counts bytes: decode the line's byte prefix to count characters.
        return start + len(line_text.encode("utf-8")[:col].decode("utf-8", errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """The (start, end) character offsets of `node`'s text; ValueError for an unplaced node."""
        line, col, end_line, end_col = (
            getattr(node, name, None) for name in ("lineno", "col_offset", "end_lineno", "end_col_offset")
        )
        if line is None or col is None or end_line is None or end_col is None:
            raise ValueError(f"{type(node).__name__} node has no position in the source")
        return self.offset(line, col), self.offset(end_line, end_col)

    def segment(self, node: ast.AST) -> str:
        """The text of `node`, exactly as written."""
        start, end = self.span(node)
        return self.text[start:end]

    def line_of(self, offset: int) -> int:
        """The 1-based line holding character `offset`."""
        low, high = 0, len(self._lines) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if self._lines[middle] <= offset:
                low = middle
            else:
                high = middle - 1
        return low + 1

    def line_span(self, first: int, last: int) -> tuple[int, int]:
        """The offsets from the start of line `first` to the start of the line after `last`."""
        end = self._lines[last] if last < len(self._lines) else len(self.text)
        return self._lines[first - 1], end

    def operator_between(self, left: ast.AST, right: ast.AST, token: str) -> tuple[int, int] | None:
        """The span of operator `token` written between two operand nodes, or None.

        `token` is the operator as Python spells it ('<=', 'and', 'not in'); words may be
        split by any blanks. None when anything else (a comment, say) stands in between.
        """
        gap_start, gap_end = self.span(left)[1], self.span(right)[0]
        gap = self.text[gap_start:gap_end]
        lead = _GAP_FILLER.match(gap)
        start = lead.end() if lead else 0
        pattern = r"\s+".join(re.escape(word) for word in token.split())
        found = re.compile(pattern).match(gap, start)
        if found is None or _GAP_FILLER.fullmatch(gap, found.end()) is None:
            return None
        return gap_start + found.start(), gap_start + found.end()

    def apply(self, edits: tuple[Edit, ...]) -> str:
        """The module's text with the (non-overlapping) `edits` applied."""
        text = self.text
        for edit in sorted(edits, key=lambda e: e.start, reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end :]
        return text


def parses(text: str) -> bool:
    """Whether `text` is valid Python."""
    try:
        parse_python(text)
    except SyntaxError:
        return False
    return True
