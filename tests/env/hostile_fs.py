"""Test helpers for hostile workspaces: a canary of host files, and an in-memory sandbox."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path

from fixloop.sandbox.base import SandboxLimits, TestRunResult


def make_canary(directory: Path) -> Path:
    """Fill `directory` (a stand-in for host files outside the workspace) and return it:
    files with distinct contents and modes, a subdirectory, a read-only file."""
    directory.mkdir(parents=True)
    (directory / "secret.txt").write_text("api-key = sk-canary\n")
    (directory / "calc.py").write_text("HOST = True\n")
    (directory / "dir").mkdir()
    (directory / "dir" / "mod.py").write_text("host module\n")
    (directory / "dir" / "test_calc.py").write_text("host test\n")
    readonly = directory / "readonly.cfg"
    readonly.write_text("do not touch\n")
    readonly.chmod(0o444)
    return directory


def fingerprint(directory: Path) -> dict[str, tuple[str, bytes]]:
    """Every entry under `directory` (links not followed): its kind and mode, and its bytes
    (a link's target)."""
    found: dict[str, tuple[str, bytes]] = {}
    for current, dirnames, filenames in os.walk(directory):
        for name in dirnames + filenames:
            path = Path(current, name)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                content = os.readlink(path).encode()
            elif stat.S_ISREG(info.st_mode):
                content = path.read_bytes()
            else:
                content = b""
            found[str(path.relative_to(directory))] = (stat.filemode(info.st_mode), content)
    return found


def replace_with_link(path: Path, target: Path | str) -> None:
    """What hostile test code does: remove `path` (a file or a whole folder) and put a
    symbolic link to `target` in its place."""
    if path.is_dir() and not path.is_symlink():
        for inner in sorted(path.rglob("*"), reverse=True):
            inner.rmdir() if inner.is_dir() and not inner.is_symlink() else inner.unlink()
        path.rmdir()
    elif path.exists() or path.is_symlink():
        path.unlink()
    os.symlink(target, path)


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

    def start_episode(self, directory: Path) -> None:
        pass

    def end_episode(self, directory: Path) -> None:
        pass

    def close(self) -> None:
        pass
