"""Repair the common ways a model garbles an action, before strict parsing.

Models wrap the JSON in code fences, chat before or after it, write `"action": "READ_FILE"`
instead of `"action_type": "read_file"`, or nest the action (`{"action": {...}}`,
`{"read_file": {...}}`, `{"action": "read_file", "args": {...}}`). `extract_action` undoes
these and nothing more: `parse_action` still decides what is valid.
"""

from __future__ import annotations

import re
from typing import Any

from fixloop.env.actions import ACTION_TYPES
from fixloop.models.json_extract import extract_json_object

_TYPE_KEYS = ("action_type", "action", "type", "name", "tool")
_ARGUMENT_KEYS = ("args", "arguments", "parameters", "params", "input")


def extract_action(text: str) -> dict[str, Any] | None:
    """The action object `text` most likely means, with its `action_type` normalized.

    Returns None when `text` holds no JSON object at all. Never raises; the result may
    still be invalid (a missing field, an unknown action), which `parse_action` reports.
    """
    found = extract_json_object(text)
    return None if found is None else normalize_action(found)


def normalize_action(data: dict[str, Any]) -> dict[str, Any]:
    """`data` unwrapped, with the action name moved to `action_type` and normalized."""
    data = _unwrap(data)
    key = next((k for k in _TYPE_KEYS if isinstance(data.get(k), str)), None)
    if key is None:
        return data
    result = {k: v for k, v in data.items() if k != key}
    arguments = [k for k in _ARGUMENT_KEYS if isinstance(result.get(k), dict)]
    if len(arguments) == 1:
        result = {**result.pop(arguments[0]), **result}
    result["action_type"] = action_name(data[key])
    return result


def action_name(name: str) -> str:
    """`name` as an action type: `READ_FILE`, `Read File`, `read-file`, `ReadFile` -> `read_file`.

    A name that matches no action comes back lower-cased, for the parser to reject.
    """
    snake = re.sub(r"[\s\-]+", "_", name.strip()).lower()
    if snake in ACTION_TYPES:
        return snake
    camel = re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name.strip()).lower()
    return camel if camel in ACTION_TYPES else snake


def _unwrap(data: dict[str, Any]) -> dict[str, Any]:
    """`{"thought": ..., "action": {...}}` -> `{"thought": ..., ...}`; `{"x": {...}}` -> `{...}`;
    `{"read_file": {...}}` -> `{"action_type": "read_file", ...}`."""
    if isinstance(data.get("action"), dict):
        return {**{k: v for k, v in data.items() if k != "action"}, **data["action"]}
    if len(data) != 1:
        return data
    ((key, inner),) = data.items()
    if not isinstance(inner, dict):
        return data
    if action_name(key) in ACTION_TYPES and "action_type" not in inner:
        return {"action_type": key, **inner}
    return inner
