"""Find the code a failure points at, so the agent sees it without asking."""

from __future__ import annotations

import posixpath

from fixloop.sandbox.base import TestOutcome, TestRunResult, TracebackFrame


def is_test_path(path: str) -> bool:
    """Whether `path` looks like test code (test files, conftest, anything under tests/)."""
    name = posixpath.basename(path)
    return (
        name.startswith("test_")
        or name.endswith("_test.py")
        or name == "conftest.py"
        or path.startswith("tests/")
        or "/tests/" in path
    )


def failure_focus(
    run: TestRunResult, files: set[str], prefer: list[str] | None = None
) -> tuple[str, int] | None:
    """The (path, line) a failure points at, or None when nothing failed inside the repository.

    The first failing test is used, taking tests in `prefer` (e.g. fail_to_pass) first. Its
    deepest frame in a non-test repository file wins; otherwise its deepest repository frame.
    """
    failing = [t for t in run.tests if t.outcome in (TestOutcome.failed, TestOutcome.error)]
    order = set(prefer or [])
    failing.sort(key=lambda t: t.node_id not in order)
    for test in failing:
        frames: list[TracebackFrame] = [f for f in test.frames if f.path in files]
        if not frames:
            continue
        source = [f for f in frames if not is_test_path(f.path)]
        chosen = (source or frames)[-1]
        return chosen.path, chosen.line
    return None
