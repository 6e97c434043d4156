"""Map source file paths to module names."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ModuleFile:
    path: str
    name: str
    is_package: bool
    """True for a package's `__init__.py`: the module *is* the package."""


def module_file(path: str) -> ModuleFile:
    """The module a `.py` path (relative, '/'-separated) defines.

    `app/core/db.py` is `app.core.db`; `app/core/__init__.py` is the package `app.core`.
    Raises ValueError for paths that are not Python source files.
    """
    if not path.endswith(".py") or path.startswith("/"):
        raise ValueError(f"not a relative .py path: {path!r}")
    parts = path[: -len(".py")].split("/")
    is_package = parts[-1] == "__init__"
    if is_package:
        parts.pop()
    if not parts or not all(part.isidentifier() for part in parts):
        raise ValueError(f"{path!r} does not name an importable module")
    return ModuleFile(path, ".".join(parts), is_package)
