"""The HTML report: one self-contained file a person can open anywhere, offline.

`render_report` turns run diagnoses (and, for several runs, their comparison) into a single
page: a summary per run, any skill trainings (see `training_section`), failure labels,
strategies, score and step distributions, the comparison with confidence intervals, the
critic evaluations stored with the runs (see `critic_section`), a table of every episode,
and every trajectory step by step with the diagnosis's evidence next to the steps it cites
and the memory cards its agent was given. plotly.js, the styles and the script are inlined,
so the file fetches nothing.

Trajectory content is untrusted (agent and model output): the template autoescapes every
value, and the chart data reaches the page as JSON in a `<script type="application/json">`
tag with `<`, `>` and `&` escaped, so nothing in a trajectory can close the tag or inject
markup.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import plotly.offline
from markupsafe import Markup

from fixloop.analysis.comparison import Comparison
from fixloop.analysis.failure_classifier import SEVERITY, FailureLabel, Severity
from fixloop.analysis.run_diagnosis import EpisodeAnalysis, LabelExample, RunDiagnosis
from fixloop.analysis.statistics import Estimate
from fixloop.core.trajectory import StepRecord, Trajectory
from fixloop.env.edit_diff import cap_text
from fixloop.improve.retry_loop import RetryReport
from fixloop.report import charts
from fixloop.report.critic_section import CriticView
from fixloop.report.training_section import SIGNIFICANCE, SIMULATED_LABEL, TrainingView

MAX_TEXT_CHARS = 4_000
"""Thoughts, unparsed outputs and edit bodies are shown up to this many characters (diffs
and test output are already capped when the trajectory is recorded)."""

MAX_ARGUMENT_CHARS = 160
"""An action's short arguments (path, query, target, ...) are shown up to this many characters."""

NO_VALUE = "\u2013"
"""What a cell shows when there is no value (an en dash)."""

_LONG_ARGUMENTS = ("new_code", "content")
"""Edit bodies: shown only when the step has no diff, e.g. an edit the environment refused."""

_OUTCOME_TONES = {"resolved": "good", "partial": "warn", "infra_error": "muted", "budget_exhausted": "muted"}
_SEVERITY_TONES = {
    Severity.critical: "bad",
    Severity.major: "warn",
    Severity.minor: "minor",
    Severity.external: "muted",
    Severity.ok: "good",
}
_ACTION_TONES = {
    "view_code": "read",
    "read_file": "read",
    "search_code": "read",
    "replace_lines": "edit",
    "write_file": "edit",
    "undo_edit": "undo",
    "reset": "undo",
    "run_tests": "test",
    "submit": "submit",
}


@dataclass(frozen=True)
class RunView:
    """A run as the page names it: every mention carries the simulated badge when it applies."""

    name: str
    simulated: bool
    color: str


@dataclass(frozen=True)
class Flag:
    """A diagnosis finding cited at one step (or at the whole episode when `step` is None)."""

    label: str
    tone: str
    detail: str
    step: int | None
    anchor: str | None


@dataclass(frozen=True)
class LabelRow:
    """One failure label across runs: (primary, any) episodes per run, and a first example."""

    label: str
    tone: str
    counts: list[tuple[int, int]]
    example_run: RunView | None
    example: LabelExample | None


@dataclass(frozen=True)
class StepView:
    """One step, ready to show."""

    record: StepRecord
    anchor: str
    kind: str
    tone: str
    arguments: list[tuple[str, str]]
    thought: str | None
    body: str | None
    raw: str | None
    diff: list[tuple[str, str]]
    flags: list[Flag]


@dataclass(frozen=True)
class EpisodeView:
    """One episode of one run: its row in the task table and its trajectory."""

    anchor: str
    run: RunView
    analysis: EpisodeAnalysis
    outcome_tone: str
    primary_tone: str
    flags: list[Flag]
    steps: list[StepView]
    memory_cards: tuple[str, ...]

    @property
    def trajectory(self) -> Trajectory:
        """The episode's trajectory."""
        return self.analysis.trajectory


def render_report(
    diagnoses: Sequence[RunDiagnosis],
    comparison: Comparison | None = None,
    *,
    title: str = "fixloop report",
    retries: Sequence[RetryReport] = (),
    trainings: Sequence[TrainingView] = (),
    memory_cards: Mapping[str, Sequence[str]] | None = None,
    critics: Sequence[CriticView] = (),
) -> str:
    """The report of `diagnoses` as one self-contained HTML document.

    `retries` (retry-loop reports of the same runs) add the retries section: each retried
    episode before and after, the fix rate per failure label, and the paired test.
    `trainings` (from `training_view`) add the training section, one part per training: its
    selection score and skill size per step, every proposal and its verdict, the final
    skill's rules with their provenance, and the test comparison; a simulated training is
    labelled so there and in the embedded JSON.
    `memory_cards` maps an agent context's version to the texts of the memory cards it held
    (see `fixloop.rollout.run_session.stored_context`): each episode whose trajectory's
    `context_version` it maps to a non-empty list shows those cards; other episodes show none.
    `critics` (from `critic_views`) add the critic section: for each of the report's runs
    with stored critic evaluations, one row per evaluation (Spearman or why it is undefined,
    MAE, sycophancy rate) and the calibration chart; a simulated evaluation is labelled so
    there and in the embedded JSON. Views of runs not in `diagnoses` are left out.

    Each diagnosis shows its summary, distributions and, when it kept them (`episodes`),
    its trajectories. `comparison` (from `compare_runs` over the same runs) adds the
    comparison section; without it there is none. A run is labelled simulated (a badge at
    every mention and a banner at the top) when its diagnosis or its comparison row says
    so. The document loads no external resource. Raises ValueError when `diagnoses` is empty
    or two diagnoses share a run name.
    """
    if not diagnoses:
        raise ValueError("a report needs at least one run diagnosis")
    names = [d.run for d in diagnoses]
    if len(set(names)) != len(names):
        raise ValueError(f"run names repeat: {names}; give each run a distinct name")
    compared = comparison.runs if comparison is not None else []
    colors = charts.run_colors(names + [row.name for row in compared])
    simulated = {d.run for d in diagnoses if d.simulated} | {row.name for row in compared if row.simulated}
    runs = {name: RunView(name, name in simulated, color) for name, color in colors.items()}
    given = memory_cards or {}
    episodes = {
        d.run: [episode_view(runs[d.run], r, e, a, given) for e, a in enumerate(d.episodes)]
        for r, d in enumerate(diagnoses)
    }
    figures = {
        "chart-failures": charts.failure_chart(diagnoses),
        "chart-strategies": charts.strategy_chart(diagnoses),
        "chart-scores": charts.score_chart(diagnoses),
        "chart-steps": charts.steps_chart(diagnoses),
    }
    if comparison is not None:
        figures["chart-comparison"] = charts.comparison_chart(comparison, colors)
        if comparison.pairs:
            figures["chart-differences"] = charts.difference_chart(comparison)
    for index, training in enumerate(trainings):
        figures[f"chart-training-{index}-selection"] = training.selection_figure
        figures[f"chart-training-{index}-size"] = training.size_figure
    critics = [view for view in critics if view.run in episodes]
    for index, view in enumerate(critics):
        figures[f"chart-critic-{index}"] = view.calibration_figure
    data: dict[str, Any] = {
        "charts": {name: json.loads(figure.to_json()) for name, figure in figures.items()}
    }
    if trainings:
        data["trainings"] = [training.summary() for training in trainings]
    if critics:
        data["critics"] = [view.summary() for view in critics]
    return (
        report_environment()
        .get_template("report.html.j2")
        .render(
            title=title,
            diagnoses=diagnoses,
            comparison=comparison,
            retries=[r for r in retries if r.run in runs],
            trainings=trainings,
            critics=critics,
            simulated_label=SIMULATED_LABEL,
            significance=SIGNIFICANCE,
            runs=runs,
            episodes=episodes,
            all_episodes=[view for views in episodes.values() for view in views],
            simulated_runs=[name for name in runs if name in simulated],
            label_rows=_label_rows(diagnoses, runs),
            metric_rows=_metric_rows(diagnoses),
            data_json=script_json(data),
            css=Markup(_asset("report.css")),
            script=Markup(_asset("report.js")),
            plotly_js=_plotly_js(),
        )
    )


def write_report(
    path: Path,
    diagnoses: Sequence[RunDiagnosis],
    comparison: Comparison | None = None,
    *,
    title: str = "fixloop report",
    retries: Sequence[RetryReport] = (),
    trainings: Sequence[TrainingView] = (),
    memory_cards: Mapping[str, Sequence[str]] | None = None,
    critics: Sequence[CriticView] = (),
) -> Path:
    """Render the report (see `render_report`) and write it to `path` as UTF-8, creating its
    directory if needed. Returns `path`. Raises ValueError as `render_report` does, OSError
    when the file cannot be written."""
    html = render_report(
        diagnoses,
        comparison,
        title=title,
        retries=retries,
        trainings=trainings,
        memory_cards=memory_cards,
        critics=critics,
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    return path


def episode_view(
    run: RunView,
    run_index: int,
    index: int,
    analysis: EpisodeAnalysis,
    memory_cards: Mapping[str, Sequence[str]],
) -> EpisodeView:
    """One analysed episode ready for the `episode` macro of `macros.html.j2`: its anchor is
    `ep-{run_index}-{index}` and each step's `ep-{run_index}-{index}-s{step}`; the diagnosis's
    evidence becomes flags on the steps it cites; `memory_cards` maps a context version to
    the texts of the cards it held (see `render_report`)."""
    anchor = f"ep-{run_index}-{index}"
    flags = [
        Flag(
            label=finding.label.value,
            tone=_SEVERITY_TONES[finding.severity],
            detail=evidence.detail,
            step=evidence.step,
            anchor=f"{anchor}-s{evidence.step}" if evidence.step is not None else None,
        )
        for finding in analysis.diagnosis.findings
        for evidence in finding.evidence
    ]
    steps = [
        _step_view(step, f"{anchor}-s{step.index}", [f for f in flags if f.step == step.index])
        for step in analysis.trajectory.steps
    ]
    return EpisodeView(
        anchor=anchor,
        run=run,
        analysis=analysis,
        outcome_tone=_OUTCOME_TONES.get(analysis.trajectory.outcome, "bad"),
        primary_tone=_SEVERITY_TONES[SEVERITY[analysis.diagnosis.primary]],
        flags=flags,
        steps=steps,
        memory_cards=tuple(memory_cards.get(analysis.trajectory.context_version or "", ())),
    )


def _step_view(step: StepRecord, anchor: str, flags: list[Flag]) -> StepView:
    action = step.action or {}
    kind = str(action.get("action_type", "unparsed"))
    arguments = [
        (name, _argument(name, value))
        for name, value in action.items()
        if name not in ("action_type", "thought", *_LONG_ARGUMENTS) and value not in (None, False)
    ]
    body = next((action[name] for name in _LONG_ARGUMENTS if isinstance(action.get(name), str)), None)
    thought = action.get("thought")
    return StepView(
        record=step,
        anchor=anchor,
        kind=kind,
        tone=_ACTION_TONES.get(kind, "parse"),
        arguments=arguments,
        thought=cap_text(thought, MAX_TEXT_CHARS) if isinstance(thought, str) and thought.strip() else None,
        body=cap_text(body, MAX_TEXT_CHARS) if body is not None and not step.summary.diff else None,
        raw=cap_text(step.raw_action, MAX_TEXT_CHARS) if step.raw_action else None,
        diff=diff_lines(step.summary.diff or ""),
        flags=flags,
    )


def _argument(name: str, value: object) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= MAX_ARGUMENT_CHARS else text[:MAX_ARGUMENT_CHARS] + "…"


def diff_lines(diff: str) -> list[tuple[str, str]]:
    """A unified diff as (kind, line) pairs, kind one of meta, hunk, add, del, ctx, note.

    A `--- ` line followed by `+++ ` and that `+++ ` line are file headers (meta); `@@`
    starts a hunk; the capping note "... (N more characters not kept)" is a note.
    """
    lines = diff.splitlines()
    kinds: list[tuple[str, str]] = []
    for i, line in enumerate(lines):
        header = (line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")) or (
            line.startswith("+++ ") and i > 0 and kinds[i - 1][0] == "meta"
        )
        if header:
            kind = "meta"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        elif line.startswith("... (") and line.endswith("not kept)"):
            kind = "note"
        else:
            kind = "ctx"
        kinds.append((kind, line))
    return kinds


def _label_rows(diagnoses: Sequence[RunDiagnosis], runs: dict[str, RunView]) -> list[LabelRow]:
    """Every label any run shows, most severe first, with its counts in each run."""
    rows = []
    for label in FailureLabel:
        if not any(label.value in d.any_labels for d in diagnoses):
            continue
        example_of = next((d for d in diagnoses if label.value in d.examples), None)
        rows.append(
            LabelRow(
                label=label.value,
                tone=_SEVERITY_TONES[SEVERITY[label]],
                counts=[
                    (d.primary_labels.get(label.value, 0), d.any_labels.get(label.value, 0))
                    for d in diagnoses
                ],
                example_run=runs[example_of.run] if example_of else None,
                example=example_of.examples[label.value] if example_of else None,
            )
        )
    return rows


def _metric_rows(diagnoses: Sequence[RunDiagnosis]) -> list[tuple[str, list[float | None]]]:
    """Mean episode metrics, one row per metric, one value per run (None: no scored episode)."""
    names = list(dict.fromkeys(name for d in diagnoses if d.metrics for name in d.metrics.means))
    return [(name, [d.metrics.means.get(name) if d.metrics else None for d in diagnoses]) for name in names]


def script_json(data: Any) -> Markup:
    """`data` as JSON safe inside a <script> element: no `<`, `>` or `&` survives literally,
    so no string in it can end the element or open a comment."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    escaped = text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(escaped.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


@cache
def _plotly_js() -> Markup:
    script = plotly.offline.get_plotlyjs()
    if "</script" in script.lower():
        raise RuntimeError("this plotly.js bundle contains '</script' and cannot be inlined")
    return Markup(script)


def _asset(name: str) -> str:
    return (resources.files("fixloop.report") / "templates" / name).read_text(encoding="utf-8")


def _percent(value: float | None, digits: int = 0) -> str:
    return NO_VALUE if value is None else f"{100 * value:.{digits}f}%"


def _number(value: float | None, digits: int = 2) -> str:
    if value is None:
        return NO_VALUE
    if float(value).is_integer() and abs(value) >= 10:
        return f"{int(value):,}"
    return f"{value:,.{digits}f}"


def _signed(value: float, digits: int = 2) -> str:
    return f"{value:+.{digits}f}"


def _ci_bar(estimate: Estimate) -> Markup:
    """A small bar drawing an interval inside [0, 1] and its point estimate."""
    low, high, value = (min(1.0, max(0.0, x)) for x in (estimate.low, estimate.high, estimate.value))
    return Markup(
        '<span class="ci" title="95% interval {title}" aria-hidden="true">'
        '<span class="ci-range" style="left:{left:.1f}%;width:{width:.1f}%"></span>'
        '<span class="ci-dot" style="left:{dot:.1f}%"></span></span>'
    ).format(title=str(estimate), left=100 * low, width=100 * (high - low), dot=100 * value)


def _label_tone(label: str) -> str:
    try:
        return _SEVERITY_TONES[SEVERITY[FailureLabel(label)]]
    except ValueError:
        return "muted"


@cache
def report_environment() -> jinja2.Environment:
    """The report's jinja2 environment: autoescaping, strict about undefined names, with the
    filters `percent`, `number`, `signed`, `ci_bar` and `label_tone` its templates use. The
    dashboard overlays its own templates on it to reuse `macros.html.j2`."""
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("fixloop.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters.update(
        percent=_percent,
        number=_number,
        signed=_signed,
        ci_bar=_ci_bar,
        label_tone=_label_tone,
    )
    return environment
