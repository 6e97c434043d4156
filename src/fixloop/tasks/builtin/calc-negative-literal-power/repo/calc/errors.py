"""The one error the calculator raises."""

from __future__ import annotations


class CalcError(ValueError):
    """A formula that cannot be read or evaluated; `pos` is a 0-based offset or None."""

    def __init__(self, message: str, pos: int | None = None) -> None:
        super().__init__(message if pos is None else f"{message} (at offset {pos})")
        self.pos = pos
