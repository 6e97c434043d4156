"""How an agent ends an episode early, and the trajectory outcome each way gives.

`Agent.act` ends an episode by raising; `episode_outcome` names what the runner records:

| raised from `act`          | outcome                                              | workspace graded |
|----------------------------|------------------------------------------------------|------------------|
| `AgentStop(reason, ...)`   | the reason: format_errors, looping, wall_time, step_limit | yes         |
| `BudgetExceededError`      | budget_exhausted                                     | yes              |
| `ModelUnavailableError`    | infra_error (never the agent's fault; excluded from scores) | no        |
| anything else              | agent_error                                          | no               |

"Graded" means the runner grades the workspace as the agent left it, for the record: the
trajectory keeps the grade and its score, while the outcome says why the episode ended.
"""

from __future__ import annotations

from typing import Literal, get_args

from fixloop.models.base import BudgetExceededError, ModelUnavailableError

StopReason = Literal["format_errors", "looping", "wall_time", "step_limit"]
STOP_REASONS: tuple[str, ...] = get_args(StopReason)
GRADED_EARLY_ENDS = frozenset({*STOP_REASONS, "budget_exhausted"})
"""Outcomes of episodes the agent ended early whose workspace is still graded for the record."""


class AgentStop(Exception):
    """The agent gives up on the episode; `message` says why, for the trajectory's `error`."""

    def __init__(self, reason: StopReason, message: str) -> None:
        super().__init__(message)
        self.reason: StopReason = reason
        self.message = message


def episode_outcome(exc: Exception) -> str:
    """The trajectory outcome for an exception raised by `Agent.act` (see the module table)."""
    if isinstance(exc, AgentStop):
        return exc.reason
    if isinstance(exc, BudgetExceededError):
        return "budget_exhausted"
    if isinstance(exc, ModelUnavailableError):
        return "infra_error"
    return "agent_error"
