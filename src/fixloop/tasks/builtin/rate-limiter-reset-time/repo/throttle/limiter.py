"""One token bucket per client key, with idle buckets swept away."""

from __future__ import annotations

from dataclasses import dataclass

from throttle.bucket import TokenBucket
from throttle.clock import Clock, system_clock
from throttle.policy import Limit


@dataclass(frozen=True)
class Decision:
    """The answer for one request, with the numbers we put in the rate-limit headers.

    `retry_after`: seconds until this request would be allowed (0.0 when it was allowed).
    `reset_after`: seconds until the client's allowance is completely refilled.
    """

    allowed: bool
    remaining: int
    retry_after: float
    reset_after: float


class KeyedLimiter:
    """Applies `limit` to each key (client id, IP address, ...) separately.

    A key's bucket is created on its first request. `sweep()` forgets keys whose bucket has
    refilled completely: a full bucket behaves exactly like a new one, so forgetting it
    changes no decision and keeps memory bounded.
    """

    def __init__(self, limit: Limit, clock: Clock = system_clock) -> None:
        self.limit = limit
        self._clock = clock
        self._buckets: dict[str, TokenBucket] = {}
        self._full_at: dict[str, float] = {}

    def __len__(self) -> int:
        return len(self._buckets)

    def allow(self, key: str, cost: int = 1) -> Decision:
        """Decide one request of `cost` tokens for `key`."""
        now = self._clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = TokenBucket(self.limit.capacity, self.limit.rate, now)
        allowed = bucket.try_take(now, cost)
        retry_after = 0.0 if allowed else bucket.wait_time(now, cost)
        reset_after = bucket.time_to_full(now)
        self._full_at[key] = now + reset_after
        return Decision(allowed, int(bucket.tokens(now)), round(retry_after, 3), round(reset_after, 3))

    def sweep(self) -> int:
        """Forget every key whose bucket is full again; return how many were forgotten."""
        now = self._clock()
        idle = [key for key, full_at in self._full_at.items() if full_at <= now]
        for key in idle:
            del self._buckets[key]
            del self._full_at[key]
        return len(idle)
