"""The agent's actions: a pydantic discriminated union on `action_type`.

`parse_action` is the one entry point for untrusted input (a JSON string, a dict, or an
already-built action). It accepts action names in any case and the `new_code_block` alias,
and raises `ActionParseError` with a message meant to be shown to the agent — for every
malformed input, however deep, long or oddly encoded, and for nothing else.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

MAX_PATH_CHARS = 4_096
"""Longest `path` or `target` an action may carry (Linux's PATH_MAX)."""

MAX_QUERY_CHARS = 1_000
"""Longest `query` a search may carry."""

MAX_LINE_NUMBER = 1_000_000_000
"""Largest line number an action may carry (larger ones cannot even be printed safely)."""

MAX_PROBLEMS_SHOWN = 5
"""Validation problems listed in a parse error; the rest are counted."""


class ActionParseError(ValueError):
    """The input is not a valid action; the message says why, for the agent to read."""


class _ActionBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    thought: str | None = Field(default=None, description="Optional reasoning behind the action.")


class ViewCode(_ActionBase):
    """Show a line-numbered window of a file, or the repository tree when no path is given."""

    action_type: Literal["view_code"] = "view_code"
    path: str | None = Field(default=None, max_length=MAX_PATH_CHARS)
    start_line: int | None = Field(default=None, ge=1, le=MAX_LINE_NUMBER)
    end_line: int | None = Field(default=None, ge=1, le=MAX_LINE_NUMBER)


class ReadFile(_ActionBase):
    """Show a whole file with line numbers."""

    action_type: Literal["read_file"] = "read_file"
    path: str = Field(max_length=MAX_PATH_CHARS)


class SearchCode(_ActionBase):
    """Find lines containing `query` (case-insensitive), in `path` or the whole repository."""

    action_type: Literal["search_code"] = "search_code"
    query: str = Field(min_length=1, max_length=MAX_QUERY_CHARS)
    path: str | None = Field(default=None, max_length=MAX_PATH_CHARS)


class ReplaceLines(_ActionBase):
    """Replace lines `start_line`..`end_line` (1-based, inclusive) of `path` with `new_code`.

    When `new_code` starts at column 0 and the replaced lines are indented, every line of
    `new_code` is indented by the replaced lines' indentation.
    """

    action_type: Literal["replace_lines"] = "replace_lines"
    path: str = Field(max_length=MAX_PATH_CHARS)
    start_line: int = Field(ge=1, le=MAX_LINE_NUMBER)
    end_line: int = Field(ge=1, le=MAX_LINE_NUMBER)
    new_code: str = Field(validation_alias=AliasChoices("new_code", "new_code_block"))


class WriteFile(_ActionBase):
    """Create or overwrite `path` with `content`."""

    action_type: Literal["write_file"] = "write_file"
    path: str = Field(max_length=MAX_PATH_CHARS)
    content: str


class RunTests(_ActionBase):
    """Run the tests: the task's default test paths, or `target` (paths or node ids, space-separated).

    With `coverage`, also report which lines of the non-test files failing and passing tests ran.
    """

    action_type: Literal["run_tests"] = "run_tests"
    target: str | None = Field(default=None, max_length=MAX_PATH_CHARS)
    coverage: bool = Field(
        default=False, description="Trace executed lines (slower); the observation gets a `spectrum`."
    )


class UndoEdit(_ActionBase):
    """Revert the most recent edit."""

    action_type: Literal["undo_edit"] = "undo_edit"


class Reset(_ActionBase):
    """Put the repository back to the original buggy state (the step count goes on)."""

    action_type: Literal["reset"] = "reset"


class Submit(_ActionBase):
    """Finish the episode and have the work graded."""

    action_type: Literal["submit"] = "submit"


Action = Annotated[
    ViewCode | ReadFile | SearchCode | ReplaceLines | WriteFile | RunTests | UndoEdit | Reset | Submit,
    Field(discriminator="action_type"),
]
ACTION_TYPES: tuple[str, ...] = (
    "view_code",
    "read_file",
    "search_code",
    "replace_lines",
    "write_file",
    "run_tests",
    "undo_edit",
    "reset",
    "submit",
)
EDIT_ACTIONS = frozenset({"replace_lines", "write_file"})
READ_ACTIONS = frozenset({"view_code", "read_file"})

_adapter: TypeAdapter[Action] = TypeAdapter(Action)


def action_json_schema() -> dict[str, Any]:
    """The JSON schema of `Action`, for prompts and structured output (a new dict per call:
    callers may change it)."""
    return json.loads(_action_json_schema_text())


@functools.cache
def _action_json_schema_text() -> str:
    # Generating the schema takes pydantic ~15 ms, and every LLM agent and prompt needs it.
    return json.dumps(_adapter.json_schema())


def action_tools() -> list[dict[str, Any]]:
    """The actions as OpenAI tools: one function per action type, named for it, described by
    the action's docstring, whose parameters are the action's JSON schema (the same one as
    `action_json_schema`) without `action_type`, which the function's name carries."""
    schema = action_json_schema()
    tools = []
    for kind, ref in schema["discriminator"]["mapping"].items():
        definition = schema["$defs"][ref.rpartition("/")[2]]
        parameters = {key: value for key, value in definition.items() if key not in ("description", "title")}
        parameters["properties"] = {
            name: field for name, field in definition["properties"].items() if name != "action_type"
        }
        parameters["required"] = [name for name in definition.get("required", []) if name != "action_type"]
        function = {"name": kind, "description": definition.get("description", ""), "parameters": parameters}
        tools.append({"type": "function", "function": function})
    return sorted(tools, key=lambda tool: ACTION_TYPES.index(tool["function"]["name"]))


def parse_action(raw: object) -> Action:
    """Turn untrusted input into an `Action`.

    `raw` may be an action instance, a mapping, or a JSON object string. Raises
    `ActionParseError` for malformed JSON (nesting too deep for the parser included), a
    missing or unknown `action_type`, fields of the wrong type, out of range or too long,
    and text holding lone surrogates (which cannot be stored or encoded).
    """
    if isinstance(raw, _ActionBase):
        _check_text(raw)
        return raw  # type: ignore[return-value]
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
            raise ActionParseError(f"malformed JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ActionParseError(f"an action must be a JSON object, got {type(raw).__name__}")
    data = dict(raw)
    kind = data.get("action_type")
    if not isinstance(kind, str) or not kind.strip():
        raise ActionParseError(f"missing action_type; expected one of: {', '.join(ACTION_TYPES)}")
    data["action_type"] = kind.strip().lower()
    if data["action_type"] not in ACTION_TYPES:
        raise ActionParseError(
            f"unknown action_type {_short(kind)}; expected one of: {', '.join(ACTION_TYPES)}"
        )
    try:
        action = _adapter.validate_python(data)
    except ValidationError as exc:
        raise ActionParseError(_describe(data["action_type"], exc)) from None
    except RecursionError:
        raise ActionParseError("the action is nested too deeply to read") from None
    _check_text(action)
    return action


def _check_text(action: _ActionBase) -> None:
    """Raise ActionParseError when a text field of `action` holds a lone surrogate.

    Pydantic refuses them in a plain `str` field but lets them through in `str | None`.
    """
    for name, value in action:
        if isinstance(value, str) and not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ActionParseError(f"{name}: not valid Unicode text (a lone surrogate)") from None


def _describe(kind: str, exc: ValidationError) -> str:
    problems = []
    errors = exc.errors(include_url=False, include_input=False)
    for error in errors[:MAX_PROBLEMS_SHOWN]:
        where = ".".join(_short(part, quote=False) for part in error["loc"][1:]) or kind
        problems.append(f"{where}: {_printable(error['msg'])}")
    more = len(errors) - MAX_PROBLEMS_SHOWN
    if more > 0:
        problems.append(f"and {more} more problems")
    return f"invalid {kind} action: " + "; ".join(problems)


def _short(value: object, *, quote: bool = True, limit: int = 80) -> str:
    """`value` for a message: at most `limit` characters, with lone surrogates escaped."""
    text = value if isinstance(value, str) else str(value)
    cut = text[:limit] + ("..." if len(text) > limit else "")
    return repr(cut) if quote else _printable(cut)


def _printable(text: str) -> str:
    """`text` with lone surrogates escaped as backslash sequences, so it can be encoded."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
