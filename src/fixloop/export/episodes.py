"""The stored episodes an export reads, and the tally of what it kept and left out.

An episode is simulated when its run or its trajectory says so (a simulated model produced
it); exports leave those out unless asked, and mark every row they do write. Episodes the
agent's scores exclude (`infra_error`, `budget_exhausted`: not the agent's doing, see
`fixloop.analysis.metrics.is_scored`) are never exported.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pydantic import BaseModel, Field

from fixloop.analysis.metrics import is_scored
from fixloop.core.trajectory import Trajectory
from fixloop.store import RunInfo, Store

SIMULATED = "simulated (pass --include-simulated to keep)"
"""The skip reason of a simulated episode left out."""
NOT_SCORED = "not the agent's doing (infra_error or budget_exhausted)"
"""The skip reason of an episode the infrastructure ended."""


EpisodeKey = tuple[str, str, int]
"""(run name, task id, episode index)."""


@dataclass(frozen=True)
class StoredEpisode:
    """One recorded episode of one run."""

    run: RunInfo
    task_id: str
    episode_index: int
    trajectory: Trajectory

    @property
    def simulated(self) -> bool:
        """Whether a simulated model produced it (the run's or the trajectory's flag)."""
        return self.run.simulated or self.trajectory.simulated

    @property
    def key(self) -> EpisodeKey:
        """(run name, task id, episode index): the episode's identity across runs."""
        return (self.run.name, self.task_id, self.episode_index)


class EpisodeRef(BaseModel):
    """Which stored episode a row comes from (each row's `metadata` names its episodes)."""

    run: str
    task_id: str
    episode_index: int
    outcome: str
    context_version: str | None = None

    @classmethod
    def of(cls, episode: StoredEpisode) -> EpisodeRef:
        """The reference to `episode`."""
        t = episode.trajectory
        return cls(
            run=episode.run.name,
            task_id=episode.task_id,
            episode_index=episode.episode_index,
            outcome=t.outcome,
            context_version=t.context_version,
        )


class ExportCounts(BaseModel):
    """What an export considered, kept and wrote; the dataset card shows it."""

    considered: int = Field(default=0, description="Episodes read from the runs.")
    kept: int = Field(default=0, description="Episodes at least one row came from.")
    skipped: dict[str, int] = Field(default_factory=dict, description="Episodes left out, by reason.")
    rows: dict[str, int] = Field(default_factory=dict, description="Rows written, by source.")


@dataclass
class Tally:
    """Counts episodes as an export decides about them; `counts()` is the summary."""

    considered: int = 0
    kept: set[EpisodeKey] = field(default_factory=set)
    skipped: Counter[str] = field(default_factory=Counter)
    rows: Counter[str] = field(default_factory=Counter)

    def keep(self, episode: StoredEpisode) -> None:
        """`episode` gave at least one row."""
        self.kept.add(episode.key)

    def skip(self, reason: str, n: int = 1) -> None:
        """`n` episodes were left out for `reason`."""
        self.skipped[reason] += n

    def counts(self) -> ExportCounts:
        """The summary, skip reasons most frequent first."""
        return ExportCounts(
            considered=self.considered,
            kept=len(self.kept),
            skipped=dict(self.skipped.most_common()),
            rows=dict(self.rows),
        )


def load_episodes(store: Store, runs: Sequence[str]) -> list[StoredEpisode]:
    """Every recorded episode of `runs` (names or ids), run by run, in the order recorded.

    Raises StoreError for an unknown run.
    """
    episodes: list[StoredEpisode] = []
    for ref in runs:
        info = store.get_run(ref)
        episodes += [
            StoredEpisode(info, task_id, index, trajectory)
            for (task_id, index), trajectory in store.keyed_trajectories(info).items()
        ]
    return episodes


def exportable(
    episodes: Iterable[StoredEpisode], tally: Tally, *, include_simulated: bool
) -> list[StoredEpisode]:
    """The episodes an export may use: the agent's own (scored) ones, simulated ones only with
    `include_simulated`. Counts every episode as considered and the rest as skipped."""
    kept = []
    for episode in episodes:
        tally.considered += 1
        if episode.simulated and not include_simulated:
            tally.skip(SIMULATED)
        elif not is_scored(episode.trajectory):
            tally.skip(NOT_SCORED)
        else:
            kept.append(episode)
    return kept
