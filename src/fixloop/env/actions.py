"""The agent's actions: a pydantic discriminated union on `action_type`.

`parse_action` is the one entry point for untrusted input (a JSON string, a dict, or an
already-built action). It accepts action names in any case and the `new_code_block` alias,
and raises `ActionParseError` with a message meant to be shown to the agent.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class ActionParseError(ValueError):
    """The input is not a valid action; the message says why, for the agent to read."""


class _ActionBase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    thought: str | None = Field(default=None, description="Optional reasoning behind the action.")


class ViewCode(_ActionBase):
    """Show a line-numbered window of a file, or the repository tree when no path is given."""

    action_type: Literal["view_code"] = "view_code"
    path: str | None = None
    start_line: int | None = Field(default=None, ge=1)
    end_line: int | None = Field(default=None, ge=1)


class ReadFile(_ActionBase):
    """Show a whole file with line numbers."""

    action_type: Literal["read_file"] = "read_file"
    path: str


class SearchCode(_ActionBase):
    """Find lines containing `query` (case-insensitive), in `path` or the whole repository."""

    action_type: Literal["search_code"] = "search_code"
    query: str = Field(min_length=1)
    path: str | None = None


class ReplaceLines(_ActionBase):
    """Replace lines `start_line`..`end_line` (1-based, inclusive) of `path` with `new_code`.

    When `new_code` starts at column 0 and the replaced lines are indented, every line of
    `new_code` is indented by the replaced lines' indentation.
    """

    action_type: Literal["replace_lines"] = "replace_lines"
    path: str
    start_line: int = Field(ge=1)
    end_line: int = Field(ge=1)
    new_code: str = Field(validation_alias=AliasChoices("new_code", "new_code_block"))


class WriteFile(_ActionBase):
    """Create or overwrite `path` with `content`."""

    action_type: Literal["write_file"] = "write_file"
    path: str
    content: str


class RunTests(_ActionBase):
    """Run the tests: the task's default test paths, or `target` (paths or node ids, space-separated).

    With `coverage`, also report which lines of the non-test files failing and passing tests ran.
    """

    action_type: Literal["run_tests"] = "run_tests"
    target: str | None = None
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
    """The JSON schema of `Action`, for prompts and structured output."""
    return _adapter.json_schema()


def parse_action(raw: object) -> Action:
    """Turn untrusted input into an `Action`.

    `raw` may be an action instance, a mapping, or a JSON object string. Raises
    `ActionParseError` for malformed JSON, a missing or unknown `action_type`, and fields of
    the wrong type or out of range.
    """
    if isinstance(raw, _ActionBase):
        return raw  # type: ignore[return-value]
    if isinstance(raw, str | bytes):
        try:
            raw = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ActionParseError(f"malformed JSON: {exc}") from None
    if not isinstance(raw, Mapping):
        raise ActionParseError(f"an action must be a JSON object, got {type(raw).__name__}")
    data = dict(raw)
    kind = data.get("action_type")
    if not isinstance(kind, str) or not kind.strip():
        raise ActionParseError(f"missing action_type; expected one of: {', '.join(ACTION_TYPES)}")
    data["action_type"] = kind.strip().lower()
    if data["action_type"] not in ACTION_TYPES:
        raise ActionParseError(f"unknown action_type {kind!r}; expected one of: {', '.join(ACTION_TYPES)}")
    try:
        return _adapter.validate_python(data)
    except ValidationError as exc:
        raise ActionParseError(_describe(data["action_type"], exc)) from None


def _describe(kind: str, exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"][1:]) or kind
        problems.append(f"{where}: {error['msg']}")
    return f"invalid {kind} action: " + "; ".join(problems)
