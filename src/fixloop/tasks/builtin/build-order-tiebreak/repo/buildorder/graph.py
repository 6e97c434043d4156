"""Steps and the dependencies between them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping


class StepGraph:
    """A directed graph: an edge dep -> step means `step` needs `dep` to run first."""

    def __init__(self) -> None:
        self._deps: dict[str, set[str]] = {}

    @classmethod
    def from_mapping(cls, steps: Mapping[str, Iterable[str]]) -> StepGraph:
        graph = cls()
        for step, deps in steps.items():
            graph.add(step, deps)
        return graph

    def add(self, step: str, deps: Iterable[str] = ()) -> None:
        """Add `step` (if new) and make it depend on each of `deps` (added if new)."""
        self._deps.setdefault(step, set())
        for dep in deps:
            if dep == step:
                raise ValueError(f"step {step!r} cannot depend on itself")
            self._deps.setdefault(dep, set())
            self._deps[step].add(dep)

    @property
    def steps(self) -> set[str]:
        return set(self._deps)

    def dependencies(self, step: str) -> set[str]:
        """The steps `step` needs directly. Raises KeyError for an unknown step."""
        return set(self._deps[step])

    def dependents(self, step: str) -> set[str]:
        """The steps that need `step` directly."""
        return {other for other, deps in self._deps.items() if step in deps}

    def needed_for(self, target: str) -> set[str]:
        """`target` and everything it needs, directly or not. Raises KeyError if unknown."""
        needed, stack = set(), [target]
        while stack:
            step = stack.pop()
            if step not in needed:
                needed.add(step)
                stack.extend(self._deps[step])
        return needed
