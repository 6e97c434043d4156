"""Strongly connected components (Tarjan's algorithm, without recursion)."""

from __future__ import annotations

from collections.abc import Mapping, Set


def strongly_connected_components(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """The strongly connected components of `graph` ({node: successors}).

    Every node appears in exactly one component; a node on no cycle is a component of its
    own. Each component is sorted, and the list is sorted. Successors that are not keys
    of `graph` are ignored. Iterative, so deep import chains cannot hit the recursion limit.
    """
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    for root in sorted(graph):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(s for s in graph[root] if s in graph)))]
        while work:
            node, successors = work[-1]
            advanced = False
            for succ in successors:
                if succ not in index:
                    index[succ] = low[succ] = len(index)
                    stack.append(succ)
                    on_stack.add(succ)
                    work.append((succ, iter(sorted(s for s in graph[succ] if s in graph))))
                    advanced = True
                    break
                if succ in on_stack:
                    low[node] = min(low[node], index[succ])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return sorted(components)
