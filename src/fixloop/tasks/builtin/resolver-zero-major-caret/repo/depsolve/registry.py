"""The package index: which versions of each package exist and what they depend on."""

from __future__ import annotations

from collections.abc import Mapping

from depsolve.constraint import Constraint, parse_constraint
from depsolve.errors import ResolutionError
from depsolve.version import Version, parse_version


class Registry:
    """Built from {package: {version: {dependency: constraint}}}, all as strings."""

    def __init__(self, packages: Mapping[str, Mapping[str, Mapping[str, str]]]) -> None:
        self._packages: dict[str, dict[Version, dict[str, Constraint]]] = {
            name: {
                parse_version(version): {dep: parse_constraint(text) for dep, text in deps.items()}
                for version, deps in releases.items()
            }
            for name, releases in packages.items()
        }

    def versions(self, name: str) -> list[Version]:
        """Every released version of `name`, newest first."""
        if name not in self._packages:
            raise ResolutionError(f"unknown package {name!r}")
        return sorted(self._packages[name], reverse=True)

    def dependencies(self, name: str, version: Version) -> dict[str, Constraint]:
        return dict(self._packages[name][version])
