"""A canary of host files for tests of hostile workspaces, and what test code does to them."""

from __future__ import annotations

import os
import stat
from pathlib import Path


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
