"""Semantic versions `MAJOR.MINOR.PATCH` (no pre-release or build parts)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")
_PARTIAL = re.compile(r"(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?")


@dataclass(frozen=True, order=True)
class Version:
    major: int
    minor: int
    patch: int

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}.{self.patch}"

    def bump_major(self) -> Version:
        """The next major release: 1.4.2 -> 2.0.0, 0.4.2 -> 1.0.0."""
        return Version(self.major + 1, 0, 0)

    def bump_minor(self) -> Version:
        """The next minor release: 1.4.2 -> 1.5.0."""
        return Version(self.major, self.minor + 1, 0)

    def bump_patch(self) -> Version:
        """The next patch release: 1.4.2 -> 1.4.3."""
        return Version(self.major, self.minor, self.patch + 1)


def parse_version(text: str) -> Version:
    """`1.4.2` -> Version(1, 4, 2). Raises ValueError for anything but three numbers."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad version {text!r}")
    return Version(*(int(part) for part in match.groups()))


def parse_partial(text: str) -> tuple[int, ...]:
    """The one to three numbers of a possibly partial version: `1.4` -> (1, 4)."""
    match = _PARTIAL.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad version {text!r}")
    return tuple(int(part) for part in match.groups() if part is not None)


def pad(parts: tuple[int, ...]) -> Version:
    """A partial version with its missing parts set to 0: (1, 4) -> 1.4.0."""
    return Version(*(parts + (0, 0, 0))[:3])
