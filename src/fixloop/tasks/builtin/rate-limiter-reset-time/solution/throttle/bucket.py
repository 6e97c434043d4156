"""A single token bucket. Times are passed in, so the bucket itself never reads a clock."""

from __future__ import annotations


class TokenBucket:
    """Holds up to `capacity` tokens and gains `rate` tokens per second. A new bucket is full."""

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        if capacity <= 0 or rate <= 0:
            raise ValueError("capacity and rate must be positive")
        self.capacity = capacity
        self.rate = rate
        self._tokens = float(capacity)
        self._updated = now

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self._updated)
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._updated = now

    def tokens(self, now: float) -> float:
        """Tokens available at `now`."""
        self._refill(now)
        return self._tokens

    def try_take(self, now: float, count: float = 1) -> bool:
        """Take `count` tokens if they are all available; return whether they were taken."""
        self._refill(now)
        if self._tokens < count:
            return False
        self._tokens -= count
        return True

    def wait_time(self, now: float, count: float = 1) -> float:
        """Seconds until `count` tokens will be available; 0.0 if they already are."""
        missing = count - self.tokens(now)
        return max(0.0, missing / self.rate)

    def time_to_full(self, now: float) -> float:
        """Seconds until the bucket is back to `capacity`; 0.0 if it is full."""
        missing = self.capacity - self.tokens(now)
        return max(0.0, missing / self.rate)
