"""Import cycles: groups of modules that import each other, directly or indirectly."""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Set

from importgraph.scc import strongly_connected_components


def find_cycles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """Each group of modules that lie on a common import cycle, as a sorted list; the
    groups are sorted. A module that imports itself is a group of one."""
    return [
        component
        for component in strongly_connected_components(graph)
        if len(component) > 1 or component[0] in graph[component[0]]
    ]


def cycle_path(graph: Mapping[str, Set[str]], group: list[str]) -> list[str]:
    """A shortest import cycle through the first module of `group` that stays inside the
    group, from that module back to it: ['a', 'b', 'a']. Raises ValueError when there is
    none (the modules of `group` are not on a common cycle)."""
    members = set(group)
    start = group[0]
    previous: dict[str, str] = {}
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for succ in sorted(graph[node] & members):
            if succ == start:
                path = [node]
                while path[-1] != start:
                    path.append(previous[path[-1]])
                return [*reversed(path), start]
            if succ not in seen:
                seen.add(succ)
                previous[succ] = node
                queue.append(succ)
    raise ValueError(f"{group} is not an import cycle")
