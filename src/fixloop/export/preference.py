"""Preference rows: prompt / chosen / rejected, in the conversational format TRL's DPOTrainer reads.

`prompt` is a list of messages, `chosen` and `rejected` lists of one assistant message each.
Every row names its `source`:

- `same_state`: two episodes of the same task, given the same system prompt, whose steps
  are identical (thoughts included) up to some step and then differ, one resolved and one
  not (episodes the agent's scores exclude never take part). Identical actions from the
  same start reach the same workspace state and so the same observations, so the shared
  transcript up to the first differing reply is one prompt; `chosen` is the resolved
  episode's reply there, `rejected` the other's. Every (resolved, unresolved) pair of a
  task's episodes that differ at some step where both still act gives one row (the prompt
  is rebuilt from the resolved episode, see `transcript`); a row identical to an earlier
  one in prompt, chosen and rejected (episodes that agree longer) is written once.
- `critic_contrast`: the critic's contrast pairs (`fixloop.improve.critic.contrast`). Those
  are not stored: they are derived from the ground truth Φ* of a run's steps, which is
  (`fixloop critic eval` or `calibrate` measure and store it). Here the template contrast
  (`critic:template`, deterministic) is derived again from the stored Φ*; the prompt is what
  the LLM critic reads for the step (`CRITIC_SYSTEM`, `critic_prompt`), `chosen` the correct
  judgement and `rejected` the wrong one, each as the critic's JSON reply (confidence 1 on
  both, so they differ in phi, evidence and reasoning only). Pairs an llm contrast wrote
  are kept only as the lessons of memory cards, and cannot be rebuilt.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.core.trajectory import StepRecord
from fixloop.export.chat import ChatMessage
from fixloop.export.episodes import EpisodeKey, EpisodeRef, StoredEpisode, Tally
from fixloop.export.transcript import ReplayError, TranscriptBuilder, reply_message
from fixloop.improve.critic.contrast import ContrastPair, Judgement, TemplateContrast, action_types
from fixloop.improve.critic.critic import CRITIC_SYSTEM, CriticReply, critic_prompt
from fixloop.improve.critic.episode import state_views
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.store import Store
from fixloop.tasks.task import Task

PreferenceSource = Literal["same_state", "critic_contrast"]
PREFERENCE_SOURCES: tuple[PreferenceSource, ...] = ("same_state", "critic_contrast")

NO_PARTNER = "no same-state partner"
"""The same-state source's reason for an episode in no pair (see the module docstring)."""
NO_GROUND_TRUTH = "no stored critic ground truth (`fixloop critic eval RUN` measures it)"
"""The critic source's reason for an episode whose Φ* was never measured."""
NO_MOVE = "no step moved the critic ground truth by 0.5 or more"
"""The critic source's reason for an episode none of whose steps made a contrast pair."""


class PairOrigin(BaseModel):
    """Where a preference row comes from."""

    step: int = Field(description="The step whose reply (or judgement) the row contrasts, from 1.")
    chosen: EpisodeRef = Field(description="The episode of the chosen side (for a critic pair, the episode).")
    rejected: EpisodeRef | None = Field(
        description="The episode of the rejected side; None for a critic pair."
    )
    mistake: str | None = Field(default=None, description="For a critic pair: the wrong judgement's mistake.")


class PreferenceRow(BaseModel):
    """One preference example."""

    model_config = ConfigDict(frozen=True)

    prompt: tuple[ChatMessage, ...]
    chosen: tuple[ChatMessage, ...]
    rejected: tuple[ChatMessage, ...]
    source: PreferenceSource
    simulated: bool = Field(description="A simulated model (or critic) produced an episode of the pair.")
    metadata: PairOrigin

    def dump(self) -> dict[str, Any]:
        """The row as JSON, messages without their unused fields."""
        return {
            "prompt": [m.dump() for m in self.prompt],
            "chosen": [m.dump() for m in self.chosen],
            "rejected": [m.dump() for m in self.rejected],
            "source": self.source,
            "simulated": self.simulated,
            "metadata": self.metadata.model_dump(mode="json"),
        }


@dataclass
class SourceRows:
    """What one source made of the episodes: its rows, the episodes they use, and why each
    other episode gave none."""

    rows: list[PreferenceRow] = field(default_factory=list)
    used: set[EpisodeKey] = field(default_factory=set)
    reasons: dict[EpisodeKey, str] = field(default_factory=dict)


def preference_rows(
    store: Store,
    episodes: Sequence[StoredEpisode],
    builder: TranscriptBuilder,
    tasks: Mapping[str, Mapping[str, Task]],
    tally: Tally,
) -> list[PreferenceRow]:
    """The rows of both sources over `episodes` (already filtered by `exportable`), same-state
    ones first. An episode is kept when either source used it; the others are counted in
    `tally` as skipped, with each source's reason."""
    sources = {
        "same_state": same_state_rows(episodes, builder),
        "critic_contrast": critic_contrast_rows(store, episodes, tasks),
    }
    for episode in episodes:
        if any(episode.key in source.used for source in sources.values()):
            tally.keep(episode)
        else:
            tally.skip("; ".join(source.reasons[episode.key] for source in sources.values()))
    for name, source in sources.items():
        tally.rows[name] += len(source.rows)
    return [row for source in sources.values() for row in source.rows]


def same_state_rows(episodes: Sequence[StoredEpisode], builder: TranscriptBuilder) -> SourceRows:
    """The `same_state` rows of `episodes`; see the module docstring."""
    groups: dict[tuple[str, str, str], list[StoredEpisode]] = defaultdict(list)
    made = SourceRows()
    seen: set[str] = set()
    for episode in episodes:
        try:
            system = builder.system(episode)
        except ReplayError as exc:
            made.reasons[episode.key] = f"transcript not rebuilt: {exc}"
            continue
        groups[(episode.task_id, episode.trajectory.reward_scheme, system)].append(episode)
    for group in groups.values():
        resolved = [e for e in group if e.trajectory.outcome == "resolved"]
        others = [e for e in group if e.trajectory.outcome != "resolved"]
        for good, bad in itertools.product(resolved, others):
            step = _divergence(good.trajectory.steps, bad.trajectory.steps)
            if step is None:
                continue
            try:
                prompt = builder.build(good).prompt(step)
            except ReplayError as exc:
                made.reasons[good.key] = f"transcript not rebuilt: {exc}"
                continue
            row = PreferenceRow(
                prompt=tuple(prompt),
                chosen=(reply_message(good.trajectory.steps[step]),),
                rejected=(reply_message(bad.trajectory.steps[step]),),
                source="same_state",
                simulated=good.simulated or bad.simulated,
                metadata=PairOrigin(step=step + 1, chosen=EpisodeRef.of(good), rejected=EpisodeRef.of(bad)),
            )
            content = json.dumps([row.dump()[side] for side in ("prompt", "chosen", "rejected")])
            if content not in seen:
                seen.add(content)
                made.rows.append(row)
            made.used |= {good.key, bad.key}
    for episode in episodes:
        made.reasons.setdefault(episode.key, NO_PARTNER)
    return made


def _divergence(a: Sequence[StepRecord], b: Sequence[StepRecord]) -> int | None:
    """How many steps `a` and `b` share before their replies differ, when both reply at that
    point; None when one is a prefix of the other."""
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if (x.action, x.raw_action) != (y.action, y.raw_action):
            return i
    return None


def critic_contrast_rows(
    store: Store, episodes: Sequence[StoredEpisode], tasks: Mapping[str, Mapping[str, Task]]
) -> SourceRows:
    """The `critic_contrast` rows of `episodes` whose ground truth is stored; see the module
    docstring. `tasks` maps each run's name to its tasks by id."""
    contrast = TemplateContrast()
    made = SourceRows()
    for episode in episodes:
        trajectory = episode.trajectory
        task = tasks.get(episode.run.name, {}).get(episode.task_id)
        stored = store.ground_truth(episode.run, episode.task_id, episode.episode_index)
        points = [GroundTruthPoint.model_validate(p) for p in stored]
        if task is None:
            made.reasons[episode.key] = "its task is no longer in its run's suite"
            continue
        if not trajectory.steps or not {0, *(r.index for r in trajectory.steps)} <= {p.step for p in points}:
            made.reasons[episode.key] = NO_GROUND_TRUTH
            continue
        pairs = contrast.pairs(task.id, points, action_types(trajectory)).pairs
        if not pairs:
            made.reasons[episode.key] = NO_MOVE
            continue
        views = {view.step: view for view in state_views(trajectory, points)}
        order = [0, *(r.index for r in trajectory.steps)]
        records = {r.index: r for r in trajectory.steps}
        for pair in pairs:
            before = views[order[order.index(pair.step) - 1]]
            prompt = critic_prompt(task, before, records[pair.step].action, views[pair.step])
            made.rows.append(_critic_row(pair, prompt, episode))
        made.used.add(episode.key)
    return made


def _critic_row(pair: ContrastPair, prompt: str, episode: StoredEpisode) -> PreferenceRow:
    return PreferenceRow(
        prompt=(ChatMessage(role="system", content=CRITIC_SYSTEM), ChatMessage(role="user", content=prompt)),
        chosen=(_judgement_reply(pair.correct),),
        rejected=(_judgement_reply(pair.wrong),),
        source="critic_contrast",
        simulated=episode.simulated,
        metadata=PairOrigin(
            step=pair.step, chosen=EpisodeRef.of(episode), rejected=None, mistake=pair.mistake
        ),
    )


def _judgement_reply(judgement: Judgement) -> ChatMessage:
    """The judgement as the critic's JSON reply."""
    reply = CriticReply(
        phi=judgement.phi, reasoning=judgement.reasoning, evidence=judgement.evidence, confidence=1.0
    )
    return ChatMessage(role="assistant", content=reply.model_dump_json())
