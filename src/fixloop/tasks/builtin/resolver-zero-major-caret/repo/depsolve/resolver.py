"""Choose one version of every package that is needed, satisfying all constraints."""

from __future__ import annotations

from collections.abc import Mapping

from depsolve.constraint import Constraint, parse_constraint
from depsolve.errors import ResolutionError
from depsolve.registry import Registry
from depsolve.version import Version

ROOT = "<root>"

Demands = dict[str, tuple[tuple[Constraint, str], ...]]


def resolve(registry: Registry, requirements: Mapping[str, str]) -> dict[str, Version]:
    """A version for each required package and everything it depends on, transitively.

    Packages are decided in the order they are first required; each gets the newest
    version allowed by every constraint placed on it so far. When a choice leads to a
    dead end, the next older candidate is tried (backtracking). Returns {name: version}
    sorted by name; raises ResolutionError when no combination works.
    """
    demands: Demands = {
        name: ((parse_constraint(text), ROOT),) for name, text in requirements.items()
    }
    solver = _Solver(registry)
    chosen = solver.solve({}, demands, tuple(requirements))
    if chosen is None:
        raise ResolutionError(solver.explain())
    return dict(sorted(chosen.items()))


class _Solver:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.conflict: tuple[str, tuple[tuple[Constraint, str], ...]] | None = None

    def solve(
        self, chosen: dict[str, Version], demands: Demands, pending: tuple[str, ...]
    ) -> dict[str, Version] | None:
        if not pending:
            return chosen
        name, rest = pending[0], pending[1:]
        wanted = demands[name]
        candidates = [
            version
            for version in self.registry.versions(name)
            if all(constraint.allows(version) for constraint, _ in wanted)
        ]
        if not candidates:
            self.conflict = (name, wanted)
        for version in candidates:
            step = self._choose(name, version, chosen, demands, rest)
            if step is None:
                continue
            result = self.solve(*step)
            if result is not None:
                return result
        return None

    def _choose(
        self,
        name: str,
        version: Version,
        chosen: dict[str, Version],
        demands: Demands,
        pending: tuple[str, ...],
    ) -> tuple[dict[str, Version], Demands, tuple[str, ...]] | None:
        demands = dict(demands)
        source = f"{name} {version}"
        for dep, constraint in self.registry.dependencies(name, version).items():
            demands[dep] = demands.get(dep, ()) + ((constraint, source),)
            if dep in chosen:
                if not constraint.allows(chosen[dep]):
                    self.conflict = (dep, demands[dep])
                    return None
            elif dep not in pending and dep != name:
                pending += (dep,)
        return {**chosen, name: version}, demands, pending

    def explain(self) -> str:
        if self.conflict is None:
            return "no versions satisfy the requirements"
        name, wanted = self.conflict
        reasons = ", ".join(f"{constraint} (from {source})" for constraint, source in wanted)
        return f"no version of {name!r} satisfies {reasons}"
