"""Agents by name, for the command line."""

from __future__ import annotations

from collections.abc import Callable

from fixloop.agents.base import Agent
from fixloop.agents.oracle import OracleAgent
from fixloop.tasks.task import Task

AGENTS: dict[str, Callable[[Task], Agent]] = {
    "oracle": OracleAgent,
}
"""Each entry builds the agent for one task. Only the oracle may read the task's fix."""


def agent_factory(name: str) -> Callable[[Task], Agent]:
    """The factory registered as `name`. Raises ValueError naming the known agents."""
    try:
        return AGENTS[name]
    except KeyError:
        raise ValueError(f"unknown agent {name!r}; choose one of: {', '.join(AGENTS)}") from None
