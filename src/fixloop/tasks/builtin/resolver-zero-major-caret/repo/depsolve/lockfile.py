"""Render a resolution as a lock file."""

from __future__ import annotations

from collections.abc import Mapping

from depsolve.registry import Registry
from depsolve.resolver import resolve


def lock(registry: Registry, requirements: Mapping[str, str]) -> str:
    """The lock file for `requirements`: one `name version` line per package, by name, each
    followed by its dependencies as indented `name constraint` lines."""
    resolution = resolve(registry, requirements)
    lines: list[str] = []
    for name, version in resolution.items():
        lines.append(f"{name} {version}")
        for dep, constraint in sorted(registry.dependencies(name, version).items()):
            lines.append(f"    {dep} {constraint}")
    return "".join(line + "\n" for line in lines)
