"""Read step definitions such as `test: compile fixtures`, one step per line."""

from __future__ import annotations

import re

_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


def parse_steps(text: str) -> dict[str, list[str]]:
    """{step: [its dependencies in the order written]}.

    Blank lines and `#` comments are ignored. A dependency need not have a line of its own.
    Raises ValueError for a malformed line, a bad name or a step defined twice.
    """
    steps: dict[str, list[str]] = {}
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, colon, rest = line.partition(":")
        name = name.strip()
        deps = rest.split()
        if not colon or not _NAME.match(name) or not all(_NAME.match(d) for d in deps):
            raise ValueError(f"line {lineno}: expected 'step: dependency ...', got {raw!r}")
        if name in steps:
            raise ValueError(f"line {lineno}: step {name!r} is defined twice")
        steps[name] = deps
    return steps
