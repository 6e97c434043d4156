"""The report's charts: plotly figures built from run diagnoses, a comparison, a training and
a run's critic evaluations.

Every function returns a `plotly.graph_objects.Figure` and never raises on a diagnosis,
empty ones included (a run with no episodes simply adds no bars). Runs keep one colour
across every chart (`run_colors`), and a simulated run's name carries "(simulated)" in
legends and axes so a chart lifted out of the report still says so.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import plotly.graph_objects as go

from fixloop.analysis.comparison import Comparison
from fixloop.analysis.failure_classifier import SEVERITY, FailureLabel, Severity
from fixloop.analysis.run_diagnosis import RunDiagnosis
from fixloop.analysis.statistics import Estimate
from fixloop.analysis.strategy_detector import Strategy
from fixloop.improve.critic.metrics import CalibrationBin

RUN_COLORS = ("#4f46e5", "#0891b2", "#d97706", "#db2777", "#059669", "#7c3aed", "#dc2626", "#475569")
"""Run colours, in the order runs are given; they repeat after the eighth run."""

SEVERITY_COLORS = {
    Severity.critical: "#dc2626",
    Severity.major: "#ea580c",
    Severity.minor: "#ca8a04",
    Severity.external: "#94a3b8",
    Severity.ok: "#16a34a",
}
"""Bar colours of failure labels by severity, when a single run is shown."""

STRATEGY_COLORS = {
    Strategy.targeted_debugging: "#16a34a",
    Strategy.systematic_search: "#0891b2",
    Strategy.spec_driven: "#4f46e5",
    Strategy.brute_force: "#ea580c",
    Strategy.random_exploration: "#db2777",
    Strategy.minimal_effort: "#94a3b8",
}

DASH = "\u2013"
MINUS = "\u2212"

FONT = "Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
GRID = "#e5e7eb"
INK = "#1f2937"


def run_label(name: str, simulated: bool) -> str:
    """How a run is named in charts: its name, with " (simulated)" when a simulated model ran it."""
    return f"{name} (simulated)" if simulated else name


def run_colors(names: Sequence[str]) -> dict[str, str]:
    """A colour for each run name, in order."""
    return {name: RUN_COLORS[i % len(RUN_COLORS)] for i, name in enumerate(dict.fromkeys(names))}


def failure_chart(diagnoses: Sequence[RunDiagnosis]) -> go.Figure:
    """Horizontal bars: the share of each run's episodes per primary failure label.

    Labels are ordered most severe first. One run is coloured by severity; several runs are
    grouped, one colour per run.
    """
    present = {label for d in diagnoses for label in d.primary_labels}
    labels = [label.value for label in FailureLabel if label.value in present]
    colors = run_colors([d.run for d in diagnoses])
    figure = go.Figure()
    for d in diagnoses:
        total = sum(d.primary_labels.values())
        counts = [d.primary_labels.get(label, 0) for label in labels]
        shares = [count / total if total else 0.0 for count in counts]
        single = len(diagnoses) == 1
        figure.add_trace(
            go.Bar(
                name=run_label(d.run, d.simulated),
                y=labels,
                x=shares,
                orientation="h",
                marker_color=(
                    [SEVERITY_COLORS[SEVERITY[FailureLabel(label)]] for label in labels]
                    if single
                    else colors[d.run]
                ),
                text=[str(count) if count else "" for count in counts],
                textposition="outside",
                cliponaxis=False,
                customdata=counts,
                hovertemplate="%{y}: %{customdata} episodes (%{x:.0%})<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_layout(
        _layout(
            height=_bar_height(len(labels), len(diagnoses)), barmode="group", showlegend=len(diagnoses) > 1
        )
    )
    figure.update_xaxes(tickformat=".0%", title_text="share of episodes (primary label)", rangemode="tozero")
    figure.update_yaxes(autorange="reversed", showgrid=False)
    return figure


def strategy_chart(diagnoses: Sequence[RunDiagnosis]) -> go.Figure:
    """One 100% stacked bar per run: the share of its episodes following each strategy."""
    names = [run_label(d.run, d.simulated) for d in diagnoses]
    figure = go.Figure()
    for strategy in Strategy:
        counts = [d.strategies.get(strategy.value, 0) for d in diagnoses]
        if not any(counts):
            continue
        totals = [sum(d.strategies.values()) for d in diagnoses]
        figure.add_trace(
            go.Bar(
                name=strategy.value,
                y=names,
                x=[count / total if total else 0.0 for count, total in zip(counts, totals, strict=True)],
                orientation="h",
                marker_color=STRATEGY_COLORS[strategy],
                customdata=counts,
                hovertemplate="%{fullData.name}: %{customdata} episodes (%{x:.0%})<extra>%{y}</extra>",
            )
        )
    figure.update_layout(_layout(height=130 + 46 * len(diagnoses), barmode="stack"))
    figure.update_xaxes(tickformat=".0%", range=[0, 1])
    figure.update_yaxes(autorange="reversed", showgrid=False)
    return figure


SCORE_BUCKETS = ("0", f"0{DASH}0.25", f"0.25{DASH}0.5", f"0.5{DASH}0.75", f"0.75{DASH}1", "1")
"""Score ranges of the score chart: exactly 0, four quarters of (0, 1), exactly 1."""


def score_bucket(score: float) -> str:
    """The `SCORE_BUCKETS` range `score` falls in (0 and 1 are buckets of their own)."""
    if score <= 0:
        return SCORE_BUCKETS[0]
    if score >= 1:
        return SCORE_BUCKETS[-1]
    return SCORE_BUCKETS[1 + int(score * 4)]


def score_chart(diagnoses: Sequence[RunDiagnosis]) -> go.Figure:
    """Episodes per score range (`SCORE_BUCKETS`), one series of bars per run."""
    figure = _counts_chart(
        diagnoses,
        lambda d: Counter(score_bucket(e.trajectory.score) for e in d.episodes),
        SCORE_BUCKETS,
        hover="score %{x}: %{y} episodes",
    )
    figure.update_xaxes(title_text="score", type="category")
    return figure


def steps_chart(diagnoses: Sequence[RunDiagnosis]) -> go.Figure:
    """Episodes per number of steps, one series of bars per run."""
    steps = sorted({len(e.trajectory.steps) for d in diagnoses for e in d.episodes})
    figure = _counts_chart(
        diagnoses,
        lambda d: Counter(len(e.trajectory.steps) for e in d.episodes),
        steps,
        hover="%{x} steps: %{y} episodes",
    )
    if steps and steps[-1] - steps[0] <= 20:
        figure.update_xaxes(dtick=1, range=[steps[0] - 0.7, steps[-1] + 0.7])
    figure.update_xaxes(title_text="steps")
    return figure


def comparison_chart(comparison: Comparison, colors: dict[str, str]) -> go.Figure:
    """Resolve rate and mean score of each run on the shared tasks, with 95% intervals."""
    names = [run_label(row.name, row.simulated) for row in comparison.runs]
    figure = go.Figure()
    for metric, estimates, symbol in (
        ("resolve rate", [row.resolve_rate for row in comparison.runs], "circle"),
        ("mean score", [row.mean_score for row in comparison.runs], "diamond"),
    ):
        figure.add_trace(
            go.Scatter(
                name=metric,
                x=[e.value for e in estimates],
                y=names,
                mode="markers",
                orientation="h",
                marker={
                    "size": 12,
                    "symbol": symbol,
                    "color": [colors.get(row.name, INK) for row in comparison.runs],
                    "line": {"width": 1, "color": "white"},
                },
                error_x=_error_bars(estimates),
                customdata=[[e.low, e.high, e.n] for e in estimates],
                hovertemplate=(
                    f"{metric}: %{{x:.2f}} [%{{customdata[0]:.2f}}, %{{customdata[1]:.2f}}]"
                    " n=%{customdata[2]}<extra>%{y}</extra>"
                ),
            )
        )
    figure.update_layout(_layout(height=140 + 56 * len(names), scattermode="group"))
    figure.update_xaxes(range=[-0.06, 1.06], title_text="95% confidence interval")
    figure.update_yaxes(autorange="reversed", showgrid=False)
    return figure


def difference_chart(comparison: Comparison) -> go.Figure:
    """Each pair's resolve-rate and score difference (A - B) with its bootstrap interval."""
    pairs = [f"{pair.a} {MINUS} {pair.b}" for pair in comparison.pairs]
    figure = go.Figure()
    for metric, estimates, color in (
        (f"resolve rate A {MINUS} B", [pair.test.difference for pair in comparison.pairs], "#4f46e5"),
        (f"score A {MINUS} B", [pair.score_difference for pair in comparison.pairs], "#0891b2"),
    ):
        figure.add_trace(
            go.Scatter(
                name=metric,
                x=[e.value for e in estimates],
                y=pairs,
                mode="markers",
                orientation="h",
                marker={"size": 11, "color": color},
                error_x=_error_bars(estimates),
                customdata=[[e.low, e.high] for e in estimates],
                hovertemplate=(
                    f"{metric}: %{{x:+.2f}} [%{{customdata[0]:+.2f}}, %{{customdata[1]:+.2f}}]"
                    "<extra>%{y}</extra>"
                ),
            )
        )
    figure.add_vline(x=0, line_width=1, line_dash="dot", line_color="#64748b")
    figure.update_layout(_layout(height=140 + 56 * len(pairs), scattermode="group"))
    figure.update_xaxes(range=[-1.12, 1.12], zeroline=False, title_text="difference, 95% interval")
    figure.update_yaxes(autorange="reversed", showgrid=False)
    return figure


def selection_chart(
    labels: Sequence[str],
    incumbent: Sequence[float | None],
    candidate: Sequence[float | None],
    adopted: Sequence[bool],
    *,
    simulated: bool,
) -> go.Figure:
    """A training's selection score per ledger entry: the incumbent's and the candidate's
    resolve rate as the gate measured them (None: not gated, a gap), adopted entries ringed.

    `labels` name the entries on the x axis ("s0", "e0 slow"); the legend says "(simulated)"
    for a simulated training.
    """
    suffix = " (simulated)" if simulated else ""
    figure = go.Figure()
    for name, rates, color, symbol in (
        ("incumbent", incumbent, "#94a3b8", "circle"),
        ("candidate", candidate, "#4f46e5", "diamond"),
    ):
        figure.add_trace(
            go.Scatter(
                name=name + suffix,
                x=list(labels),
                y=list(rates),
                mode="lines+markers",
                connectgaps=False,
                line={"color": color, "width": 2},
                marker={"size": 9, "symbol": symbol, "color": color},
                hovertemplate=f"{name}: %{{y:.2f}}<extra>%{{x}}</extra>",
            )
        )
    kept = [(label, rate) for label, rate, yes in zip(labels, candidate, adopted, strict=True) if yes]
    figure.add_trace(
        go.Scatter(
            name="adopted" + suffix,
            x=[label for label, _ in kept],
            y=[rate if rate is not None else 0.0 for _, rate in kept],
            mode="markers",
            marker={"size": 18, "symbol": "circle-open", "color": "#16a34a", "line": {"width": 3}},
            hovertemplate="adopted<extra>%{x}</extra>",
        )
    )
    figure.update_layout(_layout(height=300))
    figure.update_xaxes(type="category", title_text="ledger entry (step, or an epoch's slow update)")
    figure.update_yaxes(range=[-0.05, 1.05], tickformat=".0%", title_text="selection resolve rate")
    return figure


def skill_size_chart(
    labels: Sequence[str], tokens: Sequence[int], *, size_cap: int | None, simulated: bool
) -> go.Figure:
    """A training's skill size in tokens after each ledger entry ("start" first), with the
    gate's size cap as a dotted line once the skill reaches half of it (further below, the
    line would only flatten the curve)."""
    figure = go.Figure(
        go.Scatter(
            name="skill tokens" + (" (simulated)" if simulated else ""),
            x=list(labels),
            y=list(tokens),
            mode="lines+markers",
            line={"color": "#0891b2", "width": 2, "shape": "hv"},
            marker={"size": 8, "color": "#0891b2"},
            hovertemplate="%{y} tokens<extra>%{x}</extra>",
        )
    )
    if size_cap is not None and max(tokens, default=0) * 2 >= size_cap:
        figure.add_hline(
            y=size_cap,
            line_width=1,
            line_dash="dot",
            line_color="#dc2626",
            annotation_text=f"size cap {size_cap}",
            annotation_position="top left",
        )
    figure.update_layout(_layout(height=300, showlegend=simulated))
    figure.update_xaxes(type="category", title_text="after ledger entry")
    figure.update_yaxes(rangemode="tozero", title_text="tokens")
    return figure


def calibration_chart(
    names: Sequence[str],
    tables: Sequence[Sequence[CalibrationBin]],
    simulated: Sequence[bool],
    *,
    phi_max: float,
) -> go.Figure:
    """Critics' calibration: for each critic (`names`, with its calibration table and whether
    it is simulated), the mean critic Φ against the mean Φ* of every non-empty Φ* bin, and
    the diagonal from 0 to `phi_max` a perfectly calibrated critic would lie on. Points
    above the diagonal are bins the critic scored too high. A simulated critic's legend
    entry says "(simulated)"."""
    figure = go.Figure(
        go.Scatter(
            name="calibrated (Φ = Φ*)",
            x=[0.0, phi_max],
            y=[0.0, phi_max],
            mode="lines",
            line={"color": "#94a3b8", "width": 1, "dash": "dot"},
            hoverinfo="skip",
        )
    )
    for index, (name, table, fake) in enumerate(zip(names, tables, simulated, strict=True)):
        shown = [b for b in table if b.count and b.mean_critic is not None and b.mean_truth is not None]
        color = RUN_COLORS[index % len(RUN_COLORS)]
        figure.add_trace(
            go.Scatter(
                name=run_label(name, fake),
                x=[b.mean_truth for b in shown],
                y=[b.mean_critic for b in shown],
                mode="lines+markers",
                line={"color": color, "width": 2},
                marker={"size": 9, "color": color},
                customdata=[[f"{b.low:g}{DASH}{b.high:g}", b.count] for b in shown],
                hovertemplate=(
                    "Φ* bin %{customdata[0]} (%{customdata[1]} steps):"
                    " mean Φ %{y:.2f}, mean Φ* %{x:.2f}<extra>%{fullData.name}</extra>"
                ),
            )
        )
    margin = phi_max * 0.03
    figure.update_layout(_layout(height=320))
    figure.update_xaxes(range=[-margin, phi_max + margin], title_text="mean Φ* (ground truth) per bin")
    figure.update_yaxes(range=[-margin, phi_max + margin], title_text="mean critic Φ")
    return figure


def _counts_chart(
    diagnoses: Sequence[RunDiagnosis],
    count: Callable[[RunDiagnosis], Counter[Any]],
    keys: Sequence[Any],
    *,
    hover: str,
) -> go.Figure:
    colors = run_colors([d.run for d in diagnoses])
    figure = go.Figure()
    highest = 0
    for d in diagnoses:
        counts = count(d)
        highest = max([highest, *counts.values()])
        figure.add_trace(
            go.Bar(
                name=run_label(d.run, d.simulated),
                x=list(keys),
                y=[counts.get(key, 0) for key in keys],
                marker_color=colors[d.run],
                hovertemplate=hover + "<extra>%{fullData.name}</extra>",
            )
        )
    figure.update_layout(_layout(height=300, barmode="group", bargap=0.25, showlegend=len(diagnoses) > 1))
    figure.update_yaxes(title_text="episodes", rangemode="tozero", dtick=1 if highest <= 8 else None)
    return figure


def _error_bars(estimates: Sequence[Estimate]) -> dict[str, Any]:
    return {
        "type": "data",
        "symmetric": False,
        "array": [e.high - e.value for e in estimates],
        "arrayminus": [e.value - e.low for e in estimates],
        "color": "#64748b",
        "thickness": 2,
        "width": 6,
    }


def _bar_height(categories: int, runs: int) -> int:
    return 90 + max(1, categories) * (18 + 16 * runs)


def _layout(**overrides: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "template": "none",
        "font": {"family": FONT, "size": 12, "color": INK},
        "margin": {"l": 8, "r": 24, "t": 36, "b": 8},
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom"},
        "hoverlabel": {"font": {"family": FONT}},
        "xaxis": {"gridcolor": GRID, "zeroline": False, "automargin": True, "linecolor": GRID},
        "yaxis": {"gridcolor": GRID, "zeroline": False, "automargin": True},
    }
    layout.update(overrides)
    return layout
