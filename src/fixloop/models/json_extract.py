"""Find the JSON object a model meant to return inside whatever text it actually returned.

Models asked for JSON without server-side structured output wrap it in code fences, put a
sentence before or after it, or get cut off by `max_tokens`. `extract_json_object` takes the
first well-formed JSON object in the text and gives up (None) on anything else; it never
raises, so a bad answer becomes data for the caller instead of a crash.
"""

from __future__ import annotations

import json
from typing import Any


def extract_json_object(text: str) -> dict[str, Any] | None:
    """The first JSON object (`{...}`) in `text`, or None when there is none.

    Code fences and chatter around the object are ignored, and `{...}` spans that are not
    JSON (prose such as "use {braces}") are skipped. A `{` that is never closed means the
    answer was cut off: the result is None rather than some object nested inside it.
    """
    start = text.find("{")
    while start != -1:
        end = _matching_brace(text, start)
        if end is None:
            return None
        try:
            value = json.loads(text[start : end + 1])
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
        start = text.find("{", start + 1)
    return None


def _matching_brace(text: str, start: int) -> int | None:
    """Index of the `}` closing the `{` at `start`, skipping braces inside JSON strings."""
    depth = 0
    in_string = False
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return index
    return None
