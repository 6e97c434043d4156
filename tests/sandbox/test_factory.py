"""`make_sandbox` picks bubblewrap when it works and says how to get it when it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from fixloop.sandbox import BwrapSandbox, ProcessSandbox, SandboxError, SandboxLimits, make_sandbox


@pytest.fixture
def no_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


@pytest.fixture
def broken_bwrap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A `bwrap` on PATH that fails the way it does where user namespaces are forbidden."""
    bin_dir = tmp_path / "broken-bin"
    bin_dir.mkdir()
    fake = bin_dir / "bwrap"
    fake.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))


def test_process_kind_builds_a_process_sandbox_with_the_given_limits() -> None:
    limits = SandboxLimits(timeout_s=5)

    sandbox = make_sandbox("process", limits)

    assert isinstance(sandbox, ProcessSandbox)
    assert sandbox.name == "process"
    assert sandbox.limits == limits
    sandbox.close()


@pytest.mark.usefixtures("needs_bwrap")
def test_auto_picks_bwrap_when_it_works() -> None:
    sandbox = make_sandbox("auto")

    assert isinstance(sandbox, BwrapSandbox)
    sandbox.close()


@pytest.mark.parametrize("missing_or_broken", ["no_bwrap", "broken_bwrap"])
def test_auto_falls_back_to_the_process_sandbox_without_a_working_bwrap(
    missing_or_broken: str, request: pytest.FixtureRequest
) -> None:
    request.getfixturevalue(missing_or_broken)

    sandbox = make_sandbox("auto")

    assert isinstance(sandbox, ProcessSandbox)
    sandbox.close()


@pytest.mark.usefixtures("no_bwrap")
def test_bwrap_kind_without_bwrap_says_how_to_get_it() -> None:
    with pytest.raises(SandboxError) as raised:
        make_sandbox("bwrap")

    assert "bubblewrap" in str(raised.value)
    assert "--sandbox process" in str(raised.value)


@pytest.mark.usefixtures("broken_bwrap")
def test_bwrap_kind_with_a_broken_bwrap_shows_its_error() -> None:
    with pytest.raises(SandboxError, match="No permissions to create new namespace"):
        make_sandbox("bwrap")


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sandbox kind"):
        make_sandbox("docker")  # type: ignore[arg-type]
