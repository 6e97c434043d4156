"""The `Model` protocol: messages in, a `Completion` out. Providers live beside this file.

A model is named `PROVIDER:NAME` on the command line (`openai:gpt-4o-mini`, `scripted:demo`).
Errors a caller must tell apart:

- `ModelUnavailableError`: the endpoint failed after bounded retries (HTTP 5xx, 429,
  timeouts, dropped connections). Infrastructure, never the agent's fault: the episode ends
  as `infra_error` and is excluded from scores.
- `BudgetExceededError`: a call was refused *before* it was made because it could exceed a
  budget. The episode ends as `budget_exhausted`.
- `ModelError`: anything else wrong with the model configuration (unknown provider, missing
  API key); raised before any episode runs.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Protocol

from pydantic import BaseModel, Field


class ModelError(RuntimeError):
    """A model cannot be used as configured; the message says what to change."""


class ModelUnavailableError(ModelError):
    """The endpoint did not answer usefully after bounded retries (infrastructure failure)."""


class BudgetExceededError(ModelError):
    """A call was not made because it could exceed what is left of a budget."""


class Message(BaseModel):
    """One chat message."""

    role: Literal["system", "user", "assistant"]
    content: str


class Usage(BaseModel):
    """Tokens one call used (zero when served from the cache)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


CHARS_PER_TOKEN = 4.0
"""The rule of thumb wherever fixloop must count tokens without a tokenizer."""


def estimated_tokens(text: str, chars_per_token: float = CHARS_PER_TOKEN) -> int:
    """The tokens in `text` by the rule of thumb, rounded up."""
    return math.ceil(len(text) / chars_per_token)


def estimated_usage(messages: list[Message], reply: str, chars_per_token: float = CHARS_PER_TOKEN) -> Usage:
    """What an offline model reports using: the messages' and the reply's estimated tokens."""
    return Usage(
        prompt_tokens=estimated_tokens("".join(message.content for message in messages), chars_per_token),
        completion_tokens=estimated_tokens(reply, chars_per_token),
    )


class ToolCall(BaseModel):
    """One function call a model asked for: the function's name and its arguments as the
    JSON text the model wrote (which need not parse)."""

    name: str
    arguments: str = ""


class Completion(BaseModel):
    """What a model returned.

    `parsed` is the JSON object the text holds when a schema was requested and the text
    parsed as one, else None. `tool_calls` are the function calls the model made when it
    was offered `tools`, in its order (empty when it made none). `cost` is in USD from the
    price table; `latency` in seconds; `cached` is True when the answer came from the
    response cache (then usage and cost are 0).
    """

    text: str
    parsed: dict[str, Any] | None = None
    usage: Usage = Field(default_factory=Usage)
    cost: float = 0.0
    latency: float = 0.0
    cached: bool = False
    model: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)


class Model(Protocol):
    """Anything that completes chat messages. `name` is the `PROVIDER:NAME` string.

    `tools` are OpenAI-style function definitions (`{"type": "function", "function": {name,
    description, parameters}}`) the model may call instead of writing text; a model that
    cannot offer them raises ModelError saying so.
    """

    name: str

    def complete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """One completion. Raises ModelUnavailableError or BudgetExceededError (see module doc)."""
        ...

    async def acomplete(
        self,
        messages: list[Message],
        *,
        schema: dict[str, Any] | None = None,
        temperature: float = 0.0,
        max_tokens: int = 1024,
        seed: int | None = None,
        tools: list[dict[str, Any]] | None = None,
    ) -> Completion:
        """The async variant the runner uses; same contract as `complete`."""
        ...
