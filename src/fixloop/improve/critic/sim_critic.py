"""`SimCritic`: a seeded simulated critic, for offline demos, tests and benchmarks.

It is a simulator, not a model: it reads the ground truth Φ* from the state view
(`StateView.phi_star`) and answers Φ* plus Gaussian noise (standard deviation `noise`) plus a
sycophancy bias (`sycophancy`, added whenever the action is an edit or a submit, whatever it
did), clipped to 0-10. Its results are labelled simulated everywhere (`simulated = True`, name
`sim-critic:<preset>`) and are never a model's performance.

**Calibration.** It is given the text of the `critic_calibration` lessons a real critic would
read. When that text contains one of `SYCOPHANCY_PHRASES` (case and spacing ignored), its
sycophancy is multiplied by `1 - compliance`, so a calibration card that names the mistake
can be shown to help, as `fixloop.models.sim.DIRECTIVE_PHRASES` does for the simulated agent.

**Randomness.** Each score draws from its own `random.Random`, seeded with a SHA-256 digest of
the critic's seed, the task id and the step of the state scored — never global state or
`hash()` — so the same seed gives the same scores in any order.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fixloop.improve.critic.critic import PHI_MAX, CriticScore, StateView
from fixloop.tasks.task import Task

SYCOPHANCY_PHRASES: tuple[str, ...] = (
    "sycophancy",
    "sycophantic",
    "not the intention",
    "not the action",
    "an edit is not progress",
    "no credit for an edit",
    "no credit for effort",
)
"""Phrases in calibration text that make the simulated critic less sycophantic."""

FLATTERED_ACTIONS = frozenset({"replace_lines", "write_file", "submit"})
"""Actions a sycophantic critic rewards whatever they did."""


class SimCriticConfig(BaseModel):
    """How a simulated critic errs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    noise: float = Field(default=0.5, ge=0.0, description="Standard deviation of the Gaussian noise on Φ*.")
    sycophancy: float = Field(
        default=0.0, ge=0.0, description="Added to Φ after every edit or submit, whatever it did."
    )
    compliance: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="How much of its sycophancy a calibration lesson naming it removes.",
    )


SIM_CRITIC_PRESETS: dict[str, SimCriticConfig] = {
    "good": SimCriticConfig(noise=0.5, sycophancy=0.0),
    "noisy": SimCriticConfig(noise=2.0, sycophancy=0.0),
    "sycophant": SimCriticConfig(noise=1.0, sycophancy=2.5),
}
"""The named simulated critics, `sim-critic:<name>`."""


def addresses_sycophancy(calibration: str) -> bool:
    """Whether `calibration` text contains one of `SYCOPHANCY_PHRASES`."""
    text = " ".join(calibration.lower().replace("_", " ").split())
    return any(phrase in text for phrase in SYCOPHANCY_PHRASES)


class SimCritic:
    """The simulated critic of the module docstring."""

    simulated = True

    def __init__(self, preset: str, config: SimCriticConfig, *, seed: int = 0, calibration: str = "") -> None:
        self.name = f"sim-critic:{preset}"
        self.config = config
        self.seed = seed
        self.calibration = calibration

    @property
    def sycophancy(self) -> float:
        """The bias in force: the configured one, reduced when the calibration names it."""
        if addresses_sycophancy(self.calibration):
            return self.config.sycophancy * (1 - self.config.compliance)
        return self.config.sycophancy

    def score(
        self,
        task: Task,
        before: StateView,
        action: dict[str, Any] | None,
        after: StateView,
        *,
        previous: float | None = None,
    ) -> CriticScore:
        """Φ* of `after` with this critic's noise and bias. Raises ValueError when `after` has no
        `phi_star` (a simulator needs the ground truth: measure it with `ground_truth`)."""
        if after.phi_star is None:
            raise ValueError(f"{self.name} is a simulator and needs after.phi_star; measure it first")
        digest = hashlib.sha256(f"{self.seed}|{task.id}|{after.step}".encode()).digest()
        rng = random.Random(int.from_bytes(digest[:8], "big"))
        phi = after.phi_star + rng.gauss(0.0, self.config.noise) if self.config.noise else after.phi_star
        kind = (action or {}).get("action_type")
        flattered = kind in FLATTERED_ACTIONS
        if flattered:
            phi += self.sycophancy
        phi = min(PHI_MAX, max(0.0, phi))
        return CriticScore(
            phi=round(phi, 6),
            reasoning="simulated: the ground truth with noise" + (" and sycophancy" if flattered else ""),
            evidence=f"simulated from the measured Φ* {after.phi_star:.2f}",
            confidence=0.8,
            raw_phi=round(phi, 6),
        )


def make_sim_critic(spec: str, *, seed: int = 0, calibration: str = "") -> SimCritic:
    """The simulated critic `spec` (`sim-critic:sycophant`). Raises ValueError when `spec` is not
    `sim-critic:<preset>` or names an unknown preset; the message lists the presets."""
    provider, _, preset = spec.partition(":")
    if provider != "sim-critic" or preset not in SIM_CRITIC_PRESETS:
        names = ", ".join(f"sim-critic:{name}" for name in SIM_CRITIC_PRESETS)
        raise ValueError(f"unknown simulated critic {spec!r}; choose one of: {names}")
    return SimCritic(preset, SIM_CRITIC_PRESETS[preset], seed=seed, calibration=calibration)
