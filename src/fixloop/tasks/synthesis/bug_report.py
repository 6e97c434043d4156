"""Describe a synthesized bug the way a user would report it: which tests broke, and how.

The report names the failing tests and their first error line, never the mutated file or
line. It must be byte-for-byte stable across runs, so memory addresses are masked.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MAX_LISTED = 5
"""Failing tests the description lists by name; the rest are counted."""

MAX_MESSAGE_CHARS = 160

_ADDRESS = re.compile(r"0x[0-9a-fA-F]{4,}")


def short_test_name(node_id: str) -> str:
    """The test's own name: `tests/test_a.py::test_x[1]` -> `test_x[1]`."""
    return node_id.rsplit("::", 1)[-1]


def failure_line(message: str) -> str:
    """The first line of a failure message, as `ExceptionType: text`, shortened and stable.

    Memory addresses are masked. A line in which pytest elided a path ('/tmp/ab...cd/x.py')
    is cut to its exception type: the elided path may show part of a random directory name.
    """
    line = message.strip().split("\n", 1)[0].strip()
    if line.startswith("assert "):
        line = f"AssertionError: {line}"
    if "..." in line and "/" in line:
        line = line.split(":", 1)[0]
    line = _ADDRESS.sub("0x...", line)
    if len(line) > MAX_MESSAGE_CHARS:
        line = line[: MAX_MESSAGE_CHARS - 3].rstrip() + "..."
    return line


def bug_title(failing: Sequence[str]) -> str:
    """`test_x fails`, or `3 tests fail, including test_x`."""
    first = short_test_name(failing[0])
    return f"{first} fails" if len(failing) == 1 else f"{len(failing)} tests fail, including {first}"


def bug_description(failing: Sequence[str], total: int, messages: Mapping[str, str]) -> str:
    """A bug report listing the failing tests (up to `MAX_LISTED`) with their first error line.

    `total` is the size of the whole suite; `messages` maps node ids to failure messages
    (a test without one is listed bare).
    """
    count = "this test fails" if len(failing) == 1 else f"{len(failing)} of the {total} tests fail"
    lines = [f"After the last change {count}:", ""]
    for node in failing[:MAX_LISTED]:
        message = failure_line(messages.get(node, ""))
        lines.append(f"- `{node}`" + (f"\n  `{message}`" if message else ""))
    if len(failing) > MAX_LISTED:
        lines.append(f"- ... and {len(failing) - MAX_LISTED} more.")
    lines += [
        "",
        "The rest of the suite still passes. Find the bug and fix it without breaking the tests that pass.",
    ]
    return "\n".join(lines) + "\n"
