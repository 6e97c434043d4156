"""Keep the head and the tail of a child's output within a byte budget."""

from __future__ import annotations

from collections import deque


class HeadTailBuffer:
    """Accepts any amount of bytes and keeps at most `max_bytes` of them.

    The first half of the budget holds the beginning of the stream (where pytest prints
    collection problems), the second half its end (where the failures and the summary
    are). Everything between is counted and dropped, so memory stays bounded however
    much the child prints.
    """

    def __init__(self, max_bytes: int) -> None:
        self._head_limit = max_bytes // 2
        self._tail_limit = max_bytes - self._head_limit
        self._head = bytearray()
        self._tail: deque[bytes] = deque()
        self._tail_size = 0
        self.dropped_bytes = 0

    @property
    def truncated(self) -> bool:
        """Whether any byte was dropped."""
        return self.dropped_bytes > 0

    def feed(self, chunk: bytes) -> None:
        """Append `chunk` to the stream."""
        room = self._head_limit - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        if not chunk:
            return
        self._tail.append(chunk)
        self._tail_size += len(chunk)
        while self._tail_size > self._tail_limit:
            excess = self._tail_size - self._tail_limit
            oldest = self._tail[0]
            if len(oldest) <= excess:
                self._tail.popleft()
                self._tail_size -= len(oldest)
                self.dropped_bytes += len(oldest)
            else:
                self._tail[0] = oldest[excess:]
                self._tail_size -= excess
                self.dropped_bytes += excess

    def text(self) -> str:
        """The kept bytes as text (invalid UTF-8 replaced), with a marker where bytes were cut."""
        tail = b"".join(self._tail)
        if not self.truncated:
            return (bytes(self._head) + tail).decode("utf-8", errors="replace")
        marker = f"\n[... {self.dropped_bytes} bytes of output truncated ...]\n"
        head = bytes(self._head).decode("utf-8", errors="replace")
        return head + marker + tail.decode("utf-8", errors="replace")
