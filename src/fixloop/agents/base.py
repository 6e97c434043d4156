"""The `Agent` protocol: observation in, action out."""

from __future__ import annotations

from typing import Any, Protocol

from fixloop.env.actions import Action
from fixloop.env.observation import Observation


class Agent(Protocol):
    """Anything that can choose the next action.

    `act` may return an `Action`, a dict or a JSON string: the environment parses and
    validates it, and turns anything malformed into an observation the agent sees next.
    """

    name: str

    def reset(self) -> None:
        """Forget the previous episode."""
        ...

    def act(self, observation: Observation) -> Action | dict[str, Any] | str:
        """The next action for `observation`."""
        ...
