"""Reward schemes for `DebugEnv`: the default potential-based one and two presets."""

from __future__ import annotations

from fixloop.env.rewards.base import RewardScheme, StepEvent
from fixloop.env.rewards.navrepair import NavRepairReward
from fixloop.env.rewards.potential import PotentialReward
from fixloop.env.rewards.tracefix import TracefixReward

REWARD_SCHEMES: dict[str, type[RewardScheme]] = {
    "potential": PotentialReward,
    "tracefix": TracefixReward,
    "navrepair": NavRepairReward,
}


def make_reward_scheme(name: str) -> RewardScheme:
    """A fresh scheme by name. Raises ValueError naming the known schemes."""
    try:
        return REWARD_SCHEMES[name]()
    except KeyError:
        raise ValueError(
            f"unknown reward scheme {name!r}; choose one of: {', '.join(REWARD_SCHEMES)}"
        ) from None


__all__ = [
    "REWARD_SCHEMES",
    "NavRepairReward",
    "PotentialReward",
    "RewardScheme",
    "StepEvent",
    "TracefixReward",
    "make_reward_scheme",
]
