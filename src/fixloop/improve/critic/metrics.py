"""How a critic's scores compare with the ground truth Φ*.

Given one `PhiPair` per scored step (the critic's Φ and Φ*, and their changes from the step
before when known), `evaluate` reports:

- the Spearman rank correlation of critic Φ with Φ* (`scipy.stats.spearmanr`); undefined, so
  None with a note, when either side is constant or there are fewer than two steps;
- the mean absolute error |Φ - Φ*|;
- the sycophancy rate: of the steps whose two changes are known, the share where the critic's
  Φ rose while Φ* fell;
- a calibration table: Φ* in bins 0-2, 2-4, 4-6, 6-8, 8-10 (the last includes 10), each with
  its count, mean critic Φ and mean Φ*.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field
from scipy.stats import spearmanr

from fixloop.improve.critic.critic import PHI_MAX

BIN_WIDTH = 2.0
"""Width of a calibration bin on the Φ* scale."""


class PhiPair(BaseModel):
    """The critic's Φ and the ground truth Φ* at one step, and how each changed at that step."""

    model_config = ConfigDict(frozen=True)

    critic: float = Field(ge=0.0, le=PHI_MAX)
    truth: float = Field(ge=0.0, le=PHI_MAX)
    critic_delta: float | None = Field(
        default=None, description="Change from the step before; None: unknown."
    )
    truth_delta: float | None = Field(default=None, description="Change from the step before; None: unknown.")


def pairs_along(critic: Sequence[float], truth: Sequence[float]) -> list[PhiPair]:
    """The pairs of one episode's steps in order, with changes from each step to the next (the
    first step's are unknown). Raises ValueError when the two sequences differ in length."""
    if len(critic) != len(truth):
        raise ValueError(f"{len(critic)} critic scores for {len(truth)} ground-truth points")
    pairs = []
    for i, (phi, star) in enumerate(zip(critic, truth, strict=True)):
        pairs.append(
            PhiPair(
                critic=phi,
                truth=star,
                critic_delta=phi - critic[i - 1] if i else None,
                truth_delta=star - truth[i - 1] if i else None,
            )
        )
    return pairs


class CalibrationBin(BaseModel):
    """One row of the calibration table: the steps whose Φ* falls in [low, high)."""

    low: float
    high: float
    count: int
    mean_critic: float | None = Field(description="None when the bin is empty.")
    mean_truth: float | None = Field(description="None when the bin is empty.")


class CriticEvaluation(BaseModel):
    """How one critic's scores compare with Φ*. See the module docstring for each figure."""

    critic: str = Field(description="The critic's name.")
    simulated: bool = Field(description="Whether the critic (or the episodes) were simulated.")
    steps: int = Field(description="Steps compared.")
    spearman: float | None = Field(description="Rank correlation with Φ*; None when undefined.")
    spearman_note: str | None = Field(default=None, description="Why the correlation is undefined.")
    mae: float | None = Field(description="Mean |Φ - Φ*|; None when there are no steps.")
    sycophancy_rate: float | None = Field(
        description="Share of steps with known changes where Φ rose while Φ* fell; None: no such steps."
    )
    sycophantic_steps: int = Field(description="Steps where Φ rose while Φ* fell.")
    calibration: list[CalibrationBin]


def evaluate(pairs: Sequence[PhiPair], *, critic: str, simulated: bool) -> CriticEvaluation:
    """The evaluation of a critic named `critic` from its `pairs` (any episodes, any order)."""
    phis = [p.critic for p in pairs]
    stars = [p.truth for p in pairs]
    rho, note = rank_correlation(phis, stars)
    deltas = [
        (p.critic_delta, p.truth_delta)
        for p in pairs
        if p.critic_delta is not None and p.truth_delta is not None
    ]
    sycophantic = sum(1 for rose, fell in deltas if rose > 0 and fell < 0)
    return CriticEvaluation(
        critic=critic,
        simulated=simulated,
        steps=len(pairs),
        spearman=rho,
        spearman_note=note,
        mae=statistics.fmean(abs(a - b) for a, b in zip(phis, stars, strict=True)) if pairs else None,
        sycophancy_rate=sycophantic / len(deltas) if deltas else None,
        sycophantic_steps=sycophantic,
        calibration=calibration_table(pairs),
    )


def rank_correlation(xs: Sequence[float], ys: Sequence[float]) -> tuple[float | None, str | None]:
    """Spearman's rho of `xs` and `ys`, or None and why it is undefined."""
    if len(xs) < 2:
        return None, "fewer than two steps"
    if len(set(xs)) < 2:
        return None, "the critic's scores are constant"
    if len(set(ys)) < 2:
        return None, "the ground truth is constant"
    rho = float(spearmanr(xs, ys).statistic)
    if math.isnan(rho):
        return None, "undefined for these scores"
    return rho, None


def calibration_table(pairs: Sequence[PhiPair]) -> list[CalibrationBin]:
    """The five bins of Φ* with their counts and means (see the module docstring)."""
    count = math.ceil(PHI_MAX / BIN_WIDTH)
    members: list[list[PhiPair]] = [[] for _ in range(count)]
    for pair in pairs:
        members[min(count - 1, int(pair.truth // BIN_WIDTH))].append(pair)
    return [
        CalibrationBin(
            low=i * BIN_WIDTH,
            high=(i + 1) * BIN_WIDTH,
            count=len(group),
            mean_critic=statistics.fmean(p.critic for p in group) if group else None,
            mean_truth=statistics.fmean(p.truth for p in group) if group else None,
        )
        for i, group in enumerate(members)
    ]
