"""HTML escaping, and the Markup type for text that is already safe to output.

Anything that has been escaped (or is trusted HTML) must be a `Markup`, because
`escape` leaves a Markup alone: escaping text twice shows entities such as `&amp;lt;`
on the page instead of `<`.
"""

from __future__ import annotations

from typing import Any

_REPLACEMENTS = (
    ("&", "&amp;"),  # first, so the entities added below are not escaped again
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("'", "&#39;"),
)


class Markup(str):
    """A string of HTML that is safe to output as it is."""

    def __repr__(self) -> str:
        return f"Markup({str.__repr__(self)})"


def escape_text(text: str) -> str:
    """`text` with the HTML special characters replaced by entities."""
    for char, entity in _REPLACEMENTS:
        text = text.replace(char, entity)
    return text


def escape(value: Any) -> Markup:
    """`value` as safe HTML: a Markup is returned unchanged, anything else is converted to
    text and escaped; None becomes empty."""
    if isinstance(value, Markup):
        return value
    if value is None:
        return Markup("")
    return Markup(escape_text(str(value)))
