"""Calibration replay: memory CI for `critic_calibration` cards, measuring the critic, not the agent.

A calibration card is a lesson for the critic, so its replay asks whether the critic agrees
with the ground truth more often with the lesson in its calibration text than without it:

- **held-out steps**: every step of the scored episodes other than the card's sources (an
  episode is a source when the card cites its run, task and episode), each with its stored Φ*;
- each step is scored by the critic without the card (the incumbent) and with the card's text
  as its calibration (the candidate), `repeats` times per side, each repeat and side with its
  own seed (drawn from the settings' seed and the card's key), so a simulated critic's noise is
  sampled afresh and never shared between sides or between cards;
- a score's outcome is 1.0 when the critic agrees with Φ* (|Φ - Φ*| <= `AGREEMENT_TOLERANCE`)
  and 0.0 otherwise;
- the steps are the gate's "tasks": one `TaskOutcome` per step, judged by
  `fixloop.improve.gate.judge` with the paired rule (a significant gain in agreement that loses
  no step the critic without the card always got right).

Why repeats default to more than one: with one score per side, a noisy critic's steps flip
between agreeing and not on noise alone, and the gate's rule that no task be lost then trips
on nearly every card; with several repeats a step counts as lost only when the critic agreed
in every repeat without the card and in none with it, which noise alone almost never does.
On a sim:weak run of 4 tasks x 2 episodes with sim-critic:sycophant, 8 repeats promoted all
12 template cards that name sycophancy or intentions and 2 of the 15 that name neither (the
gate's alpha is 0.1); 4 repeats promoted only 8 of the 12. A
critic that cannot differ between repeats (a model at temperature 0) is `deterministic`: the
gate counts one repeat per step, and one is all it should be given.

`admit_calibration` takes a candidate or quarantined card along the memory lifecycle: memory
CI's scan step (`fixloop.improve.memory.ci.scan_candidate`: the scan, and no source from a
test-split task) quarantines or rejects it, then this replay's verdict promotes or rejects
it, each move stored with its reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from fixloop.core.trajectory import Trajectory
from fixloop.improve.critic.critic import Critic
from fixloop.improve.critic.episode import score_episode
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.improve.gate import GateSettings, GateVerdict, TaskOutcome, judge
from fixloop.improve.memory.card import MemoryCard, transition
from fixloop.improve.memory.ci import CIOutcome, scan_candidate
from fixloop.store import Store
from fixloop.tasks.task import Task

AGREEMENT_TOLERANCE = 1.0
"""The critic agrees with the ground truth at a step when |Φ - Φ*| is at most this: a tenth of
the scale, about what one graded test of a ten-test task moves Φ*."""

CriticFactory = Callable[[str, int], Critic]
"""Makes the critic under test from a calibration text and a seed (a model critic ignores the seed)."""


@dataclass(frozen=True)
class ScoredEpisode:
    """One episode of a run with its measured ground truth: what a replay scores."""

    run: str
    task: Task
    episode_index: int
    trajectory: Trajectory
    points: Sequence[GroundTruthPoint]

    @property
    def key(self) -> tuple[str, str, int]:
        """(run, task id, episode index), as a card's sources name episodes."""
        return (self.run, self.task.id, self.episode_index)


class CalibrationReplaySettings(BaseModel):
    """How a calibration card is replayed and judged."""

    model_config = ConfigDict(extra="forbid")

    gate: GateSettings = Field(default_factory=GateSettings, description="The gate's policy and alpha.")
    repeats: int = Field(
        default=8, ge=1, description="Scores per step and side (see the module docstring for why > 1)."
    )
    seed: int = Field(default=0, description="The first seed; each repeat and side takes its own from it.")


class CalibrationReplay:
    """Replays critic_calibration cards on held-out steps (see the module docstring)."""

    def __init__(
        self,
        make_critic: CriticFactory,
        episodes: Sequence[ScoredEpisode],
        settings: CalibrationReplaySettings | None = None,
        *,
        deterministic: bool = False,
    ) -> None:
        self.make_critic = make_critic
        self.episodes = list(episodes)
        self.settings = settings or CalibrationReplaySettings()
        self.deterministic = deterministic

    def held_out(self, card: MemoryCard) -> list[ScoredEpisode]:
        """The episodes the card was not drawn from."""
        sources = {(s.run, s.task_id, s.episode_index) for s in card.sources}
        return [e for e in self.episodes if e.key not in sources]

    def compare(self, card: MemoryCard) -> GateVerdict:
        """The gate's verdict on the critic with the card's lesson against the critic without it."""
        episodes = self.held_out(card)
        repeats = 1 if self.deterministic else self.settings.repeats
        # Each card draws its own seeds, so one unlucky draw cannot favour every card alike.
        digest = hashlib.sha256(f"{self.settings.seed}|{card.key}".encode()).digest()
        base = int.from_bytes(digest[:4], "big")
        incumbent = [self._agreement("", base + 2 * r, episodes) for r in range(repeats)]
        candidate = [self._agreement(card.text(), base + 2 * r + 1, episodes) for r in range(repeats)]
        outcomes = [
            TaskOutcome(
                task_id=step,
                candidate=[side[step] for side in candidate],
                incumbent=[side[step] for side in incumbent],
            )
            for step in incumbent[0]
        ]
        settings = self.settings.gate.model_copy(update={"repeats": repeats, "seed": self.settings.seed})
        verdict = judge(
            outcomes, settings=settings, candidate_tokens=card.tokens, incumbent_tokens=0,
            deterministic=self.deterministic,
        )  # fmt: skip
        # The gate speaks of tasks resolved; here a "task" is a step and "resolved" is agreement.
        return verdict.model_copy(update={"reason": verdict.reason.replace("resolve rate", "agreement rate")})

    def _agreement(self, calibration: str, seed: int, episodes: Sequence[ScoredEpisode]) -> dict[str, float]:
        """Per held-out step ("task#episode@step"), 1.0 when the critic agrees with Φ*, else 0.0."""
        outcomes: dict[str, float] = {}
        for number, episode in enumerate(episodes):
            # A simulated critic's noise depends on the task and step only; a seed per episode
            # keeps two episodes of one task from sharing it, so steps are independent samples.
            critic = self.make_critic(calibration, seed * 100_003 + number)
            truth = {p.step: p.phi_star for p in episode.points}
            scores = score_episode(critic, episode.task, episode.trajectory, episode.points)
            for record, score in zip(episode.trajectory.steps, scores, strict=True):
                agrees = abs(score.phi - truth[record.index]) <= AGREEMENT_TOLERANCE
                key = f"{episode.run}:{episode.task.id}#{episode.episode_index}@{record.index}"
                outcomes[key] = 1.0 if agrees else 0.0
        return outcomes


def admit_calibration(
    store: Store, card: MemoryCard, replay: CalibrationReplay, *, test_tasks: Collection[str] = ()
) -> CIOutcome:
    """Take a candidate or quarantined calibration card as far as it goes, storing each move:
    the scan (MemoryCI's, which also rejects a card drawn from a `test_tasks` task)
    quarantines or rejects it, the replay's verdict promotes or rejects it.

    Raises ValueError for a card of another kind (its replay is the agent's: MemoryCI).
    """
    if card.kind != "critic_calibration":
        raise ValueError(f"{card.key} is a {card.kind} card; replay it with MemoryCI, not the critic")
    scan = None
    if card.status == "candidate":
        card, outcome = scan_candidate(store, card, test_tasks=test_tasks)
        scan = outcome.scan
    if card.status != "quarantined":
        reason = card.status_reason if scan is not None else f"nothing to do: it is {card.status}"
        return CIOutcome(card=card.key, status=card.status, reason=reason, scan=scan)
    held_out = replay.held_out(card)
    if not held_out:
        card = transition(card, "rejected", "no held-out episode with ground truth to replay it on")
        store.update_memory_card(card.model_dump(mode="json"))
        return CIOutcome(card=card.key, status=card.status, reason=card.status_reason, scan=scan)
    verdict = replay.compare(card)
    card = transition(card, "promoted" if verdict.accepted else "rejected", f"replay: {verdict.reason}")
    store.update_memory_card(card.model_dump(mode="json"))
    return CIOutcome(
        card=card.key, status=card.status, reason=card.status_reason, scan=scan, verdict=verdict,
        tasks=sorted({e.task.id for e in held_out}),
    )  # fmt: skip
