"""Per-client request throttling with token buckets."""

from throttle.clock import ManualClock
from throttle.limiter import Decision, KeyedLimiter
from throttle.policy import Limit, parse_limit

__all__ = ["Decision", "KeyedLimiter", "Limit", "ManualClock", "parse_limit"]
