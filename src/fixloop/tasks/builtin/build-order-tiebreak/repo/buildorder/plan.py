"""Build plans: the steps to run, in order, to produce a target."""

from __future__ import annotations

from buildorder.graph import StepGraph
from buildorder.parse import parse_steps
from buildorder.toposort import topological_order


def build_plan(text: str, target: str | None = None) -> list[str]:
    """The steps defined in `text`, in the order to run them.

    With `target`, only the steps it needs (and the target itself). Raises KeyError for an
    unknown target and CycleError for circular dependencies.
    """
    graph = StepGraph.from_mapping(parse_steps(text))
    if target is None:
        return topological_order(graph)
    if target not in graph.steps:
        raise KeyError(f"no step called {target!r}")
    return topological_order(graph, only=graph.needed_for(target))


def format_plan(steps: list[str]) -> str:
    """Numbered lines: ` 1. fetch`."""
    width = len(str(len(steps)))
    return "".join(f"{n:>{width}}. {step}\n" for n, step in enumerate(steps, start=1))
