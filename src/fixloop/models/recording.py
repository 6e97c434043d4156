"""`RecordingModel`: tells a callback about every call, answered or failed."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fixloop.models.base import Completion, Message, Model, ModelError

CallRecorder = Callable[[Completion | None, str | None, float], None]
"""Called after each call with (completion or None, error message or None, seconds)."""


class RecordingModel:
    """Wraps any Model and reports each call to `record`; answers and errors pass through unchanged."""

    def __init__(self, inner: Model, record: CallRecorder) -> None:
        self.inner = inner
        self.name = inner.name
        # A wrapped simulated model is still simulated: its results must stay labelled so.
        self.simulated: bool = getattr(inner, "simulated", False)
        self._record = record

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
        """`inner.complete`, recorded."""
        started = time.monotonic()
        try:
            completion = self.inner.complete(
                messages,
                schema=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed,
                tools=tools,
            )
        except ModelError as exc:
            self._record(None, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
            raise
        self._record(completion, None, time.monotonic() - started)
        return completion

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
        """`inner.acomplete`, recorded."""
        started = time.monotonic()
        try:
            completion = await self.inner.acomplete(
                messages,
                schema=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed,
                tools=tools,
            )
        except ModelError as exc:
            self._record(None, f"{type(exc).__name__}: {exc}", time.monotonic() - started)
            raise
        self._record(completion, None, time.monotonic() - started)
        return completion
