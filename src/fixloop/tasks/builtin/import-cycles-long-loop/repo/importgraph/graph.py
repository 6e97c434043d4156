"""Build the import graph of a code base."""

from __future__ import annotations

from collections.abc import Mapping

from importgraph.modules import module_file
from importgraph.scan import scan_imports

Graph = dict[str, set[str]]


def build_graph(files: Mapping[str, str]) -> Graph:
    """{module: modules of the code base it imports} for the `.py` files in `files`
    (path -> source). Other files are ignored, and so are imports of modules from outside
    the code base.

    `import a.b.c` is an edge to `a.b.c`, or to its longest prefix that is a module of the
    code base. `from p import x` is an edge to `p.x` when that is a module of the code base
    (a submodule), otherwise to `p`. A module importing itself gets an edge to itself.
    """
    sources = {module_file(path): text for path, text in files.items() if path.endswith(".py")}
    known = {info.name for info in sources}
    graph: Graph = {name: set() for name in known}
    for info, text in sources.items():
        for ref in scan_imports(text, info.name, info.is_package):
            if ref.names:
                for name in ref.names:
                    submodule = f"{ref.target}.{name}"
                    if submodule in known:
                        graph[info.name].add(submodule)
                    elif ref.target in known:
                        graph[info.name].add(ref.target)
            else:
                target = _longest_known_prefix(ref.target, known)
                if target is not None:
                    graph[info.name].add(target)
    return graph


def _longest_known_prefix(name: str, known: set[str]) -> str | None:
    parts = name.split(".")
    for end in range(len(parts), 0, -1):
        candidate = ".".join(parts[:end])
        if candidate in known:
            return candidate
    return None
