"""What each dashboard page shows, read from the store and assembled with the analysis and
report code the CLI uses: `diagnose_run` for failure labels and strategies, the report's
episode views for trajectories, `training_view` and the ledger for trainings, `diff_skills`
for skill versions, `critic_views` for the critic, `compare_runs` for comparisons.

Every function only reads. An unknown run or training raises `NotFound`; a simulated run,
training, card or evaluation carries `simulated` so the page and the JSON API label it with
`SIMULATED_NOTE`.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go
from pydantic import BaseModel, Field

from fixloop.analysis.comparison import Comparison, RunInput, compare_runs
from fixloop.analysis.run_diagnosis import RunDiagnosis, diagnose_run
from fixloop.improve.ledger import Ledger, LedgerEntry
from fixloop.improve.memory.card import MEMORY_STATUSES, MemoryCard
from fixloop.improve.skills.edits import describe_edit
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.skill_diff import RuleChange, diff_skills, unified_diff
from fixloop.report import charts
from fixloop.report.critic_section import CriticView, critic_views
from fixloop.report.html_report import EpisodeView, RunView, diff_lines, episode_view
from fixloop.report.training_section import TrainingView, training_view
from fixloop.store import Store, StoreError
from fixloop.store.records import RunInfo, SkillVersionInfo, TrainingInfo

SIMULATED_NOTE = "simulated — not a real model's performance"
"""How the dashboard labels simulated data, on every page and in the JSON API."""


class NotFound(LookupError):
    """A run, training or skill version the store does not hold; the message says which."""


class RunSummary(BaseModel):
    """One run's line on the Runs page and in `GET /api/runs`."""

    name: str
    agent: str
    model: str
    simulated: bool = Field(description="Produced by a simulated model: never a model's real performance.")
    label: str | None = Field(description="SIMULATED_NOTE for a simulated run, else None.")
    status: str = Field(description="running or finished.")
    planned: int
    finished: int
    resolved: int
    infra_errors: int = Field(description="Episodes lost to infrastructure, left out of the rate.")
    resolve_rate: float | None = Field(
        description="Resolved over finished episodes without infra errors; None before any."
    )
    cost: float = Field(description="US dollars spent on the finished episodes.")


def run_summary(info: RunInfo, cost: float) -> RunSummary:
    """`info`'s line, with `cost` the sum over its recorded episodes (`Store.run_costs`)."""
    scored = info.finished - info.infra_errors
    return RunSummary(
        name=info.name,
        agent=info.agent,
        model=info.model,
        simulated=info.simulated,
        label=SIMULATED_NOTE if info.simulated else None,
        status=info.status,
        planned=info.planned,
        finished=info.finished,
        resolved=info.resolved,
        infra_errors=info.infra_errors,
        resolve_rate=info.resolved / scored if scored > 0 else None,
        cost=cost,
    )


def run_summaries(store: Store) -> list[RunSummary]:
    """Every run's line, newest first."""
    costs = store.run_costs()
    return [run_summary(info, costs.get(info.id, 0.0)) for info in reversed(store.list_runs())]


def get_run(store: Store, name: str) -> RunInfo:
    """The run called `name` (or with that id). Raises NotFound."""
    try:
        return store.get_run(name)
    except StoreError as exc:
        raise NotFound(str(exc)) from None


def diagnosis(store: Store, info: RunInfo) -> RunDiagnosis:
    """The run's diagnosis with its episodes, as `fixloop diagnose` makes it."""
    return diagnose_run(
        info.name, store.trajectories(info.id), agent=info.agent, model=info.model, simulated=info.simulated
    )


class EpisodeLine(BaseModel):
    """One episode of a run in `GET /api/runs/{name}`."""

    task_id: str
    outcome: str
    score: float
    steps: int
    simulated: bool = Field(description="Produced by a simulated model: never a model's real performance.")
    primary_label: str = Field(description="The failure classifier's primary label.")
    strategy: str = Field(description="The strategy detector's verdict.")


class RunDetail(RunSummary):
    """`GET /api/runs/{name}`: the run's line, its diagnosis (as `fixloop diagnose --json`
    has it, without the episodes) and a line per episode."""

    diagnosis: RunDiagnosis
    episodes: list[EpisodeLine]


@dataclass(frozen=True)
class RunPage:
    """The Run page: the run's line, its diagnosis, charts, and every episode's view."""

    summary: RunSummary
    diagnosis: RunDiagnosis
    episodes: list[EpisodeView]
    figures: dict[str, Any]

    def detail(self) -> RunDetail:
        """The page's data for the JSON API."""
        lines = [
            EpisodeLine(
                task_id=view.trajectory.task_id,
                outcome=view.trajectory.outcome,
                score=view.trajectory.score,
                steps=len(view.trajectory.steps),
                simulated=view.trajectory.simulated or self.summary.simulated,
                primary_label=view.analysis.diagnosis.primary.value,
                strategy=view.analysis.strategy.strategy.value,
            )
            for view in self.episodes
        ]
        return RunDetail(**self.summary.model_dump(), diagnosis=self.diagnosis, episodes=lines)


def run_page(store: Store, name: str) -> RunPage:
    """The Run page of the run called `name`. Raises NotFound."""
    info = get_run(store, name)
    diagnosed = diagnosis(store, info)
    color = charts.run_colors([info.name])[info.name]
    run = RunView(info.name, diagnosed.simulated, color)
    figures = {
        "chart-failures": charts.failure_chart([diagnosed]),
        "chart-strategies": charts.strategy_chart([diagnosed]),
    }
    return RunPage(
        summary=run_summary(info, sum(e.trajectory.cost for e in diagnosed.episodes)),
        diagnosis=diagnosed,
        episodes=[episode_view(run, 0, index, a, {}) for index, a in enumerate(diagnosed.episodes)],
        figures={key: _figure_json(figure) for key, figure in figures.items()},
    )


@dataclass(frozen=True)
class ProposalEvidence:
    """One ledger entry as the Training page shows it: what was tried and the gate's evidence."""

    entry: LedgerEntry
    tried: list[str]
    not_applied: list[str]


@dataclass(frozen=True)
class SkillDiff:
    """What changed from skill version `a` to `b`: rule by rule, and the markdown's diff lines."""

    a: str
    b: str
    changes: list[RuleChange]
    lines: list[tuple[str, str]]


@dataclass(frozen=True)
class TrainingPage:
    """The Training page: the training, the report's view of it once it has a result, every
    ledger entry with its evidence, its skill versions and a diff between two of them."""

    info: TrainingInfo
    view: TrainingView | None
    proposals: list[ProposalEvidence]
    versions: list[SkillVersionInfo]
    diff: SkillDiff | None
    figures: dict[str, Any]

    @property
    def simulated(self) -> bool:
        """Whether a simulated model trained it."""
        return self.info.simulated or (self.view is not None and self.view.simulated)


def trainings(store: Store) -> list[TrainingInfo]:
    """Every training, newest first."""
    return list(reversed(store.list_trainings()))


def training_page(store: Store, name: str, a: str | None = None, b: str | None = None) -> TrainingPage:
    """The Training page of the training `name`, with the diff from skill version `a` to `b`
    when both are given (ids or prefixes of 4+ characters, of any training). Raises NotFound
    for an unknown training or skill version."""
    try:
        info = store.get_training(name)
        versions = store.skill_versions(name)
        entries = Ledger(store, name).entries()
    except StoreError as exc:
        raise NotFound(str(exc)) from None
    view = training_view(store, name) if info.result is not None else None
    figures = {}
    if view is not None:
        figures = {
            "chart-selection": _figure_json(view.selection_figure),
            "chart-size": _figure_json(view.size_figure),
        }
    return TrainingPage(
        info=info,
        view=view,
        proposals=[_proposal(entry) for entry in entries],
        versions=versions,
        diff=skill_diff(store, a, b) if a and b else None,
        figures=figures,
    )


def skill_diff(store: Store, a: str, b: str) -> SkillDiff:
    """The diff from stored skill version `a` to `b`. Raises NotFound for an unknown version."""
    try:
        old, new = store.skill_version(a), store.skill_version(b)
    except StoreError as exc:
        raise NotFound(str(exc)) from None
    skill_a, skill_b = Skill.model_validate(old.content), Skill.model_validate(new.content)
    return SkillDiff(
        a=old.id,
        b=new.id,
        changes=diff_skills(skill_a, skill_b),
        lines=diff_lines(unified_diff(skill_a, skill_b, old.id, new.id)),
    )


def _proposal(entry: LedgerEntry) -> ProposalEvidence:
    return ProposalEvidence(
        entry=entry,
        tried=[describe_edit(edit) for edit in entry.edits],
        not_applied=[f"{describe_edit(r.edit)} ({r.reason})" for r in entry.rejected_edits],
    )


@dataclass(frozen=True)
class CardView:
    """The latest version of a memory card, the history of its statuses, and whether it was
    drawn from a simulated run."""

    card: MemoryCard
    events: list[dict[str, Any]]
    simulated: bool


@dataclass(frozen=True)
class MemoryPage:
    """The Memory and critic page: cards by status, and every run's critic evaluations."""

    cards: dict[str, list[CardView]]
    critics: list[CriticView]
    simulated_runs: set[str]
    figures: dict[str, Any]


def memory_page(store: Store) -> MemoryPage:
    """Every memory card (its latest version) grouped by status in lifecycle order, with its
    transitions and their reasons, and the critic evaluations of every run that has any."""
    runs = store.list_runs()
    simulated_runs = {info.name for info in runs if info.simulated}
    by_status: dict[str, list[CardView]] = defaultdict(list)
    for data in store.memory_cards():
        card = MemoryCard.model_validate(data)
        from_simulated = any(source.run in simulated_runs for source in card.sources)
        by_status[card.status].append(CardView(card, store.memory_events(card.id), from_simulated))
    critics = critic_views(store, [info.name for info in runs])
    return MemoryPage(
        cards={status: by_status[status] for status in MEMORY_STATUSES if by_status[status]},
        critics=critics,
        simulated_runs=simulated_runs,
        figures={
            f"chart-critic-{i}": _figure_json(view.calibration_figure) for i, view in enumerate(critics)
        },
    )


class ComparisonResult(BaseModel):
    """`GET /api/compare?a=&b=`: the two runs' comparison, or why there is none."""

    comparison: Comparison | None = Field(description="As `fixloop compare --json` prints it.")
    problem: str | None = Field(description="Why the runs cannot be compared (no shared task, ...).")
    simulated: bool = Field(description="Whether either run was produced by a simulated model.")
    label: str | None = Field(description="SIMULATED_NOTE when simulated, else None.")


@dataclass(frozen=True)
class ComparePage:
    """The Compare page: the runs to pick from, the two picked, and their comparison (None
    until two runs are picked, or with the reason they cannot be compared)."""

    runs: list[RunInfo]
    a: RunInfo | None
    b: RunInfo | None
    comparison: Comparison | None
    problem: str | None
    figures: dict[str, Any]

    @property
    def simulated(self) -> list[str]:
        """The picked runs a simulated model produced."""
        return [info.name for info in (self.a, self.b) if info is not None and info.simulated]

    def result(self) -> ComparisonResult:
        """The page's data for the JSON API."""
        return ComparisonResult(
            comparison=self.comparison,
            problem=self.problem,
            simulated=bool(self.simulated),
            label=SIMULATED_NOTE if self.simulated else None,
        )


def compare_page(store: Store, a: str | None, b: str | None) -> ComparePage:
    """The comparison of runs `a` and `b` on the tasks they share, as `fixloop compare`
    computes it. Raises NotFound for an unknown run."""
    runs = store.list_runs()
    if not a or not b:
        return ComparePage(runs, None, None, None, None, {})
    info_a, info_b = get_run(store, a), get_run(store, b)
    if info_a.id == info_b.id:
        return ComparePage(runs, info_a, info_b, None, "pick two different runs", {})
    diagnosed = [diagnosis(store, info_a), diagnosis(store, info_b)]
    inputs = [RunInput(d.run, [e.trajectory for e in d.episodes], d.simulated) for d in diagnosed]
    try:
        compared = compare_runs(
            inputs, diagnoses={d.run: [e.diagnosis for e in d.episodes] for d in diagnosed}
        )
    except ValueError as exc:
        return ComparePage(runs, info_a, info_b, None, str(exc), {})
    figures = {
        "chart-comparison": charts.comparison_chart(
            compared, charts.run_colors([a.name for a in (info_a, info_b)])
        )
    }
    if compared.pairs:
        figures["chart-differences"] = charts.difference_chart(compared)
    return ComparePage(
        runs, info_a, info_b, compared, None, {key: _figure_json(f) for key, f in figures.items()}
    )


def _figure_json(figure: go.Figure) -> Any:
    return json.loads(figure.to_json())
