"""Budgets enforced before a call: USD, tokens and calls, per run and per episode.

Before each call the worst case is reserved in every budget that applies: the prompt
estimated at one token per four characters plus the full `max_tokens` completion, priced
from the price table. If any budget could be exceeded the call is refused with
`BudgetExceededError` and no request is sent. After the call the reservation is settled with
what the call actually used and the rest is released. Reservations count against what is
left, so concurrent calls cannot overspend together.

The prompt estimate is a heuristic: a tokenizer that needs more than one token per four
characters can make a call's actual prompt exceed its estimate; the real usage is what is
recorded, and the next call sees it.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from fixloop.models.base import BudgetExceededError, Completion, Message, Model, Usage, estimated_tokens
from fixloop.models.pricing import Price, cost, price_for


def estimate_usage(
    messages: list[Message], max_tokens: int, tools: list[dict[str, Any]] | None = None
) -> Usage:
    """The most a call could use: the messages' (and tools') estimated tokens plus `max_tokens`."""
    prompt = "".join(message.content for message in messages) + (json.dumps(tools) if tools else "")
    return Usage(prompt_tokens=estimated_tokens(prompt), completion_tokens=max_tokens)


class Limits(Protocol):
    """What `BudgetedModel` reserves in: a `Budget`, or a stand-in for a budget held in another
    process (the Ray executor's budget holder), with the same contract as `Budget`'s methods."""

    label: str

    def reserve(self, estimated_usage: Usage, estimated_cost: float) -> Reservation:
        """Hold the worst case of one call; raise BudgetExceededError if it could exceed a limit."""
        ...

    def settle(self, reservation: Reservation, actual_usage: Usage, actual_cost: float) -> None:
        """Record what the reserved call used and release the rest of its hold."""
        ...

    def release(self, reservation: Reservation) -> None:
        """Give back the whole hold of a call that was not made or produced no completion."""
        ...


@dataclass(frozen=True)
class Reservation:
    """What one pending call holds in one budget until it is settled or released."""

    budget: Limits
    tokens: int
    usd: float


class Budget:
    """Limits on USD, tokens and calls; None means unlimited.

    Safe to share between threads and between asyncio tasks: every method holds a lock
    only for a few arithmetic operations and never awaits. A call counts once it settled;
    released (refused or failed) calls count for nothing.
    """

    def __init__(
        self,
        max_usd: float | None = None,
        max_tokens: int | None = None,
        max_calls: int | None = None,
        *,
        label: str = "budget",
    ) -> None:
        self.max_usd = max_usd
        self.max_tokens = max_tokens
        self.max_calls = max_calls
        self.label = label
        self._lock = threading.Lock()
        self.spent_usd = 0.0
        self.spent_tokens = 0
        self.calls = 0
        self._held_usd = 0.0
        self._held_tokens = 0
        self._held_calls = 0

    def __repr__(self) -> str:
        return (
            f"Budget(label={self.label!r}, spent_usd={self.spent_usd:.6f}/{self.max_usd}, "
            f"spent_tokens={self.spent_tokens}/{self.max_tokens}, calls={self.calls}/{self.max_calls})"
        )

    def reserve(self, estimated_usage: Usage, estimated_cost: float) -> Reservation:
        """Hold the worst case of one call. Raises BudgetExceededError if it could exceed a limit."""
        tokens = estimated_usage.total_tokens
        with self._lock:
            if self.max_calls is not None and self.calls + self._held_calls + 1 > self.max_calls:
                raise BudgetExceededError(f"{self.label}: all {self.max_calls} calls are used")
            if self.max_tokens is not None:
                left = self.max_tokens - self.spent_tokens - self._held_tokens
                if tokens > left:
                    raise BudgetExceededError(
                        f"{self.label}: this call could use {tokens} tokens but {left} "
                        f"of {self.max_tokens} are left"
                    )
            if self.max_usd is not None:
                left_usd = self.max_usd - self.spent_usd - self._held_usd
                if estimated_cost > left_usd:
                    raise BudgetExceededError(
                        f"{self.label}: this call could cost ${estimated_cost:.6f} but ${left_usd:.6f} "
                        f"of ${self.max_usd:.6f} is left"
                    )
            self._held_calls += 1
            self._held_tokens += tokens
            self._held_usd += estimated_cost
        return Reservation(budget=self, tokens=tokens, usd=estimated_cost)

    def settle(self, reservation: Reservation, actual_usage: Usage, actual_cost: float) -> None:
        """Record what the reserved call actually used and release the rest of the hold."""
        with self._lock:
            self._release(reservation)
            self.calls += 1
            self.spent_tokens += actual_usage.total_tokens
            self.spent_usd += actual_cost

    def release(self, reservation: Reservation) -> None:
        """Give back the whole hold of a call that was not made or produced no completion."""
        with self._lock:
            self._release(reservation)

    def _release(self, reservation: Reservation) -> None:
        if reservation.budget is not self:
            raise ValueError(f"{self.label}: the reservation belongs to {reservation.budget.label}")
        self._held_calls -= 1
        self._held_tokens -= reservation.tokens
        self._held_usd -= reservation.usd


class BudgetedModel:
    """Any Model, with every call reserved in all `budgets` first (e.g. the run's and the episode's).

    `price` prices the estimate; by default the inner model's own `price` attribute when it
    has one (as `OpenAIModel` does), else the price table's entry for its name. It must be
    the price the inner model charges: the actual cost settled is the one the inner model
    reports in `Completion.cost`.
    A refused call raises BudgetExceededError and reaches no endpoint; a call that fails
    releases its holds.
    """

    def __init__(self, inner: Model, *, budgets: Sequence[Limits], price: Price | None = None) -> None:
        self.inner = inner
        self.name = inner.name
        # A wrapped simulated model is still simulated: its results must stay labelled so.
        self.simulated: bool = getattr(inner, "simulated", False)
        self.budgets = tuple(budgets)
        self.price = price if price is not None else getattr(inner, "price", None) or price_for(inner.name)

    def __repr__(self) -> str:
        return f"BudgetedModel({self.inner!r}, budgets={list(self.budgets)!r})"

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
        """The inner completion, within every budget (see the class doc)."""
        held = self._reserve(messages, max_tokens, tools)
        try:
            result = self.inner.complete(
                messages,
                schema=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed,
                tools=tools,
            )
        except BaseException:
            _release_all(held)
            raise
        _settle_all(held, result)
        return result

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
        """The async variant of `complete`."""
        held = self._reserve(messages, max_tokens, tools)
        try:
            result = await self.inner.acomplete(
                messages,
                schema=schema,
                temperature=temperature,
                max_tokens=max_tokens,
                seed=seed,
                tools=tools,
            )
        except BaseException:
            _release_all(held)
            raise
        _settle_all(held, result)
        return result

    def _reserve(
        self, messages: list[Message], max_tokens: int, tools: list[dict[str, Any]] | None
    ) -> list[Reservation]:
        """Hold the estimate in every budget, or in none if any refuses."""
        estimate = estimate_usage(messages, max_tokens, tools)
        estimated_cost = cost(estimate, self.price)
        held: list[Reservation] = []
        try:
            for budget in self.budgets:
                held.append(budget.reserve(estimate, estimated_cost))
        except BudgetExceededError:
            _release_all(held)
            raise
        return held


def _release_all(held: list[Reservation]) -> None:
    for reservation in held:
        reservation.budget.release(reservation)


def _settle_all(held: list[Reservation], result: Completion) -> None:
    for reservation in held:
        reservation.budget.settle(reservation, result.usage, result.cost)
