"""Fixtures for the sandbox tests: small repositories and one sandbox of each kind."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from fixloop.sandbox import BwrapSandbox, ProcessSandbox, SandboxLimits, TestOutcome
from fixloop.sandbox.pytest_sandbox import PytestSandbox

NO_BWRAP_REASON = "bubblewrap (`bwrap`) is not installed; CI installs Debian's `bubblewrap`"

WriteRepo = Callable[[dict[str, str]], Path]


@pytest.fixture
def write_repo(tmp_path: Path) -> WriteRepo:
    """Write `{relative path: source}` (dedented) into a fresh workspace and return it."""

    def write(files: dict[str, str]) -> Path:
        workspace = tmp_path / "workspace"
        workspace.mkdir(exist_ok=True)
        for name, source in files.items():
            path = workspace / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(source))
        return workspace

    return write


@pytest.fixture(scope="module")
def process_sandbox() -> Iterator[ProcessSandbox]:
    with ProcessSandbox() as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def needs_bwrap() -> None:
    """Skips the test when bubblewrap is not installed."""
    if shutil.which("bwrap") is None:
        pytest.skip(NO_BWRAP_REASON)


@pytest.fixture(scope="module")
def bwrap_sandbox(needs_bwrap: None) -> Iterator[BwrapSandbox]:
    with BwrapSandbox() as sandbox:
        yield sandbox


def _serving(sandbox: PytestSandbox, mode: str, tmp_path: Path) -> Iterator[PytestSandbox]:
    """`sandbox`, with runs in `write_repo`'s workspace served per run or by a warm worker."""
    if mode == "per-run":
        yield sandbox
        return
    episode = tmp_path / "workspace"
    episode.mkdir(exist_ok=True)
    sandbox.start_episode(episode)
    try:
        yield sandbox
    finally:
        sandbox.end_episode(episode)


@pytest.fixture(params=["process", "bwrap", "process-warm", "bwrap-warm"])
def sandbox(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PytestSandbox]:
    """Each sandbox kind in turn, each running tests per run and from a warm worker."""
    kind, _, warm = request.param.partition("-")
    yield from _serving(request.getfixturevalue(f"{kind}_sandbox"), warm or "per-run", tmp_path)


@pytest.fixture(params=["per-run", "warm"])
def bwrap_runs(
    request: pytest.FixtureRequest, bwrap_sandbox: BwrapSandbox, tmp_path: Path
) -> Iterator[BwrapSandbox]:
    """The bwrap sandbox, running tests per run and from a warm worker."""
    yield from _serving(bwrap_sandbox, request.param, tmp_path)


@pytest.fixture
def assert_still_works(tmp_path: Path) -> Callable[[PytestSandbox], None]:
    """Asserts that a normal run in a sandbox passes: the hostile run before it broke nothing.

    The run is in a directory inside `write_repo`'s workspace, so a warm worker serves it.
    """

    def check(sandbox: PytestSandbox) -> None:
        workspace = tmp_path / "workspace" / "healthy"
        workspace.mkdir(parents=True, exist_ok=True)
        (workspace / "test_ok.py").write_text("def test_ok():\n    assert 1 + 1 == 2\n")
        result = sandbox.run_tests(workspace, limits=SandboxLimits(timeout_s=20))
        assert result.outcome_of("test_ok.py::test_ok") == TestOutcome.passed, result.output

    return check
