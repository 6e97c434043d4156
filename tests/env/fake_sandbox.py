"""An in-memory sandbox for tests of the environment's own behaviour."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from fixloop.sandbox.base import SandboxLimits, TestRunResult


class FakeSandbox:
    """A `fixloop.sandbox.base.Sandbox` that runs nothing: every run reports no test.

    `on_run`, when given, is called with the workspace at each run, standing in for what
    test code does to it. For tests of the environment's own behaviour, fast.
    """

    name = "fake"

    def __init__(self, on_run: Callable[[Path], None] | None = None) -> None:
        self.on_run = on_run
        self.runs = 0

    def run_tests(
        self,
        workspace: Path,
        targets: Sequence[str] = (),
        *,
        limits: SandboxLimits | None = None,
        coverage: bool = False,
    ) -> TestRunResult:
        self.runs += 1
        if self.on_run is not None:
            self.on_run(workspace)
        return TestRunResult(output="no test was run (fake sandbox)")

    def start_episode(self, directory: Path, python: object = None) -> None:
        pass

    def open_episode(self, python: object = None) -> Path:
        return open_plain_episode()

    def end_episode(self, directory: Path) -> None:
        end_plain_episode(directory)

    def close(self) -> None:
        pass


def open_plain_episode() -> Path:
    """An episode directory for a fake sandbox's `open_episode`: a new temporary directory."""
    return Path(tempfile.mkdtemp(prefix="fixloop-fake-episode-")).resolve()


def end_plain_episode(directory: Path) -> None:
    """A fake sandbox's `end_episode`: remove the directory `open_plain_episode` made."""
    if directory.name.startswith("fixloop-fake-episode-"):
        shutil.rmtree(directory, ignore_errors=True)
