"""Find import cycles among the modules of a Python code base."""

from importgraph.cycles import cycle_path, find_cycles
from importgraph.graph import build_graph
from importgraph.modules import ModuleFile, module_file
from importgraph.report import cycle_report
from importgraph.scan import ImportRef, scan_imports
from importgraph.scc import strongly_connected_components

__all__ = [
    "ImportRef",
    "ModuleFile",
    "build_graph",
    "cycle_path",
    "cycle_report",
    "find_cycles",
    "module_file",
    "scan_imports",
    "strongly_connected_components",
]
