"""The text report the `importgraph` command prints."""

from __future__ import annotations

from collections.abc import Mapping

from importgraph.cycles import cycle_path, find_cycles
from importgraph.graph import build_graph


def cycle_report(files: Mapping[str, str]) -> str:
    """Describe the import cycles among `files` (path -> source): each group of modules
    on a common cycle, with one shortest cycle through its first module."""
    graph = build_graph(files)
    groups = find_cycles(graph)
    if not groups:
        return "no import cycles\n"
    lines = [f"{len(groups)} import cycle(s):"]
    for group in groups:
        lines.append(f"  {', '.join(group)}")
        lines.append(f"    e.g. {' -> '.join(cycle_path(graph, group))}")
    return "\n".join(lines) + "\n"
