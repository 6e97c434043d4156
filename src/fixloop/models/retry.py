"""Bounded retries with exponential backoff and full jitter.

A provider turns each failed request into either a `TransientError` (HTTP 429, 5xx,
timeouts, dropped connections, an HTTP 200 without a completion: worth another try) or a
final `ModelError` (anything else: retrying cannot help). `acall_with_retry` retries the
first kind until the policy's attempt count or total time runs out, then raises
`ModelUnavailableError`. Each attempt bounds its own time (the provider's deadline);
the policy bounds how many attempts there are and when the last may start.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TypeVar

from fixloop.models.base import ModelUnavailableError

T = TypeVar("T")


class TransientError(Exception):
    """A request failed in a way another attempt may fix.

    `retry_after_s` is the server's `Retry-After` in seconds when it sent one. The message
    must already be free of secrets: it ends up in `ModelUnavailableError`.
    """

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


def full_jitter(cap_s: float) -> float:
    """A delay drawn uniformly from [0, cap_s] ("full jitter"), so clients don't retry in step."""
    return random.uniform(0.0, cap_s)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a transient failure."""

    max_attempts: int = 5
    """Requests made at most, the first one included."""
    base_delay_s: float = 0.5
    """Backoff cap before the second attempt; it doubles for each attempt after that."""
    max_delay_s: float = 20.0
    """No single wait is longer, including one asked for by `Retry-After`."""
    max_total_s: float = 120.0
    """No retry starts if it would begin later than this many seconds after the first attempt."""
    jitter: Callable[[float], float] = full_jitter
    """Maps the backoff cap to the actual wait; `full_jitter` by default."""
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, repr=False)
    """How to wait between attempts (inject a recorder in tests)."""
    clock: Callable[[], float] = field(default=time.monotonic, repr=False)
    """Seconds from an arbitrary origin; measures `max_total_s`."""

    def backoff_s(self, attempt: int, retry_after_s: float | None = None) -> float:
        """The wait after failed attempt number `attempt` (1-based).

        A server's `Retry-After` is honoured as given, capped at `max_delay_s`; otherwise
        the wait is `jitter(min(max_delay_s, base_delay_s * 2 ** (attempt - 1)))`.
        """
        if retry_after_s is not None and retry_after_s >= 0:
            return min(retry_after_s, self.max_delay_s)
        return self.jitter(min(self.max_delay_s, self.base_delay_s * 2 ** (attempt - 1)))


class _Attempts:
    """Counts attempts and elapsed time for one call; decides the next wait or gives up."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy
        self.started = policy.clock()
        self.made = 0

    def next_wait(self, failure: TransientError) -> float:
        """The wait before the next attempt; raises ModelUnavailableError when out of retries."""
        self.made += 1
        policy = self.policy
        elapsed = policy.clock() - self.started
        if self.made >= policy.max_attempts:
            raise self._exhausted(failure, elapsed)
        wait = policy.backoff_s(self.made, failure.retry_after_s)
        if elapsed + wait > policy.max_total_s:
            raise self._exhausted(failure, elapsed)
        return wait

    def _exhausted(self, failure: TransientError, elapsed: float) -> ModelUnavailableError:
        return ModelUnavailableError(
            f"model endpoint unavailable after {self.made} attempt(s) in {elapsed:.1f}s: {failure}"
        )


async def acall_with_retry(attempt: Callable[[], Awaitable[T]], policy: RetryPolicy) -> T:
    """Await `attempt` until it returns, retrying `TransientError` as `policy` allows.

    Raises ModelUnavailableError when retries run out; any other exception from `attempt`
    propagates at once.
    """
    attempts = _Attempts(policy)
    while True:
        try:
            return await attempt()
        except TransientError as failure:
            wait = attempts.next_wait(failure)
        await policy.sleep(wait)
