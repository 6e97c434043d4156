"""`ScriptedModel`: replies from a script instead of an endpoint, for tests and demos.

It makes no network call and costs nothing. Token usage is estimated (a quarter of the
characters, rounded up, on each side) so budgets and per-step accounting can be exercised.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from fixloop.models.base import Completion, Message, ModelError, estimated_usage
from fixloop.models.json_extract import extract_json_object


class ScriptedModel:
    """Answers with `responses` in order, or with `responses(messages)` when it is a function.

    A function may raise (`BudgetExceededError`, `ModelUnavailableError`, ...) to play a
    failing endpoint. Offered `tools`, it still answers with text (a model that did not
    call one). `calls` records the messages of every call, oldest first.
    """

    def __init__(
        self,
        responses: Sequence[str] | Callable[[list[Message]], str],
        *,
        name: str = "scripted:test",
    ) -> None:
        self.name = name
        self.calls: list[list[Message]] = []
        self._reply = responses if callable(responses) else None
        self._queue = [] if callable(responses) else list(responses)

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
        """The next scripted reply. Raises ModelError when a queued script has run out."""
        self.calls.append(list(messages))
        if self._reply is not None:
            text = self._reply(list(messages))
        elif self._queue:
            text = self._queue.pop(0)
        else:
            raise ModelError(
                f"{self.name} has no scripted response left for call {len(self.calls)}; "
                "give it more responses or a function"
            )
        usage = estimated_usage(messages, text)
        parsed = extract_json_object(text) if schema is not None else None
        return Completion(text=text, parsed=parsed, usage=usage, model=self.name)

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
        """Same as `complete`."""
        return self.complete(
            messages, schema=schema, temperature=temperature, max_tokens=max_tokens, seed=seed, tools=tools
        )
