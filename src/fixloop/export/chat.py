"""The chat messages an export writes: OpenAI's fine-tuning format, as pydantic models.

A message is `{"role", "content"}`; an assistant turn in the tool-calling form carries
`tool_calls` instead of text, and the observation that answers it is a `tool` message naming
the call's id. `dump` leaves out the fields a message does not use, as OpenAI's examples do.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class ToolFunction(BaseModel):
    """The function a tool call invokes, with its arguments as a JSON object string."""

    model_config = ConfigDict(frozen=True)

    name: str
    arguments: str


class ToolCall(BaseModel):
    """One tool call of an assistant turn."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Stable within a transcript: call_STEP.")
    type: Literal["function"] = "function"
    function: ToolFunction


class ChatMessage(BaseModel):
    """One turn of a transcript."""

    model_config = ConfigDict(frozen=True)

    role: Literal["system", "user", "assistant", "tool"]
    content: str | None = Field(default=None, description="None only for an assistant turn of tool calls.")
    tool_calls: tuple[ToolCall, ...] | None = None
    tool_call_id: str | None = Field(default=None, description="For a tool message: the call it answers.")

    def dump(self) -> dict[str, Any]:
        """The message as JSON, without the fields it does not use."""
        return self.model_dump(mode="json", exclude_none=True)
