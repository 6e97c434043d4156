"""Order steps so that each one runs after everything it needs."""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from buildorder.graph import StepGraph


class CycleError(ValueError):
    """The steps depend on each other in a loop; `steps` are the ones that could not be ordered."""

    def __init__(self, steps: Iterable[str]) -> None:
        self.steps = sorted(steps)
        super().__init__(f"dependency cycle among: {', '.join(self.steps)}")


def topological_order(graph: StepGraph, only: Iterable[str] | None = None) -> list[str]:
    """Every step of `graph` (or just those in `only`), each after all of its dependencies.

    Whenever more than one step could go next, the alphabetically first of them goes
    next, so the same graph always gives the same order, on any machine. Raises CycleError
    if some steps depend on each other in a loop.
    """
    chosen = graph.steps if only is None else set(only)
    waiting = {step: len(graph.dependencies(step) & chosen) for step in chosen}
    ready = sorted(step for step, count in waiting.items() if count == 0)
    order = []
    while ready:
        step = heapq.heappop(ready)
        order.append(step)
        for dependent in graph.dependents(step) & chosen:
            waiting[dependent] -= 1
            if waiting[dependent] == 0:
                heapq.heappush(ready, dependent)
    if len(order) != len(chosen):
        raise CycleError(chosen - set(order))
    return order
