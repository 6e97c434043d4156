"""The seed repositories that ship with fixloop: correct packages whose tests all pass."""

from __future__ import annotations

from pathlib import Path

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
"""Holds one repository per subdirectory (see its README.md)."""


def seed_repos() -> list[Path]:
    """The shipped seed repositories, sorted by name."""
    return sorted(p for p in SEEDS_DIR.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
