"""Work out the order in which to run build steps."""

from buildorder.graph import StepGraph
from buildorder.parse import parse_steps
from buildorder.plan import build_plan, format_plan
from buildorder.toposort import CycleError, topological_order

__all__ = ["CycleError", "StepGraph", "build_plan", "format_plan", "parse_steps", "topological_order"]
