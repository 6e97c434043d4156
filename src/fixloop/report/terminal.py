"""Diagnoses and comparisons as rich tables for the terminal.

Simulated runs are marked "(simulated)" in every table that names them.
"""

from __future__ import annotations

from rich import box
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from fixloop.analysis.comparison import Comparison
from fixloop.analysis.run_diagnosis import RunDiagnosis
from fixloop.improve.retry_loop import RetryReport

SIMULATED = " [magenta](simulated)[/]"
EXAMPLES_SHOWN = 2
"""Evidence lines shown per label in the examples table."""


def run_title(name: str, simulated: bool) -> str:
    """A run's name as tables show it."""
    return name + (SIMULATED if simulated else "")


def diagnosis_view(diagnosis: RunDiagnosis) -> RenderableType:
    """Summary, failure labels, strategies, the worst tasks and example evidence of one run."""
    parts: list[RenderableType] = []
    title = run_title(diagnosis.run, diagnosis.simulated)
    header = f"[bold]{title}[/]: agent {diagnosis.agent}, model {diagnosis.model}"
    if diagnosis.simulated:
        header += "\n[magenta]Produced by a simulated model: not a model's performance.[/]"
    parts.append(Text.from_markup(header))
    metrics = diagnosis.metrics
    if metrics is None:
        parts.append(Text("No scored episode: every episode ended by an infra error or an exhausted budget."))
    else:
        summary = Table(box=box.SIMPLE_HEAD, title="summary (95% intervals)")
        summary.add_column("measure")
        summary.add_column("value", justify="right")
        rows = [
            ("scored episodes", f"{metrics.episodes} (+{metrics.excluded} excluded)"),
            ("resolved", f"{metrics.resolved}"),
            ("resolve rate", str(metrics.resolve_rate)),
            ("mean score", str(metrics.score)),
            ("steps", str(metrics.steps)),
            ("reliability", str(metrics.reliability)),
            ("score consistency", f"{metrics.score_consistency:.2f}"),
            ("tokens", f"{metrics.tokens:,}"),
            ("cost (USD)", f"{metrics.cost:.4f}"),
        ]
        for name, value in rows:
            summary.add_row(name, value)
        parts.append(summary)
    parts.append(_counts("primary failure label", diagnosis.primary_labels, len(diagnosis.episodes)))
    parts.append(_counts("strategy", diagnosis.strategies, len(diagnosis.episodes)))
    if diagnosis.worst_tasks:
        worst = Table(box=box.SIMPLE_HEAD, title="worst tasks")
        for column in ("task", "resolved", "mean score", "primary labels"):
            worst.add_column(column, overflow="fold")
        for task in diagnosis.worst_tasks:
            worst.add_row(
                task.task_id,
                f"{task.resolved}/{task.episodes}",
                f"{task.mean_score:.2f}",
                ", ".join(label.value for label in task.primary_labels),
            )
        parts.append(worst)
    examples = Table(box=box.SIMPLE_HEAD, title="example evidence")
    for column in ("label", "task", "step", "what happened"):
        examples.add_column(column, overflow="fold")
    for label, example in diagnosis.examples.items():
        for evidence in example.evidence[:EXAMPLES_SHOWN]:
            step = "-" if evidence.step is None else str(evidence.step)
            examples.add_row(label, example.task_id, step, evidence.detail)
    parts.append(examples)
    return Group(*parts)


def _counts(title: str, counts: dict[str, int], total: int) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=title)
    table.add_column(title)
    table.add_column("episodes", justify="right")
    table.add_column("share", justify="right")
    for key, count in counts.items():
        table.add_row(key, str(count), f"{count / total:.0%}" if total else "-")
    return table


def comparison_view(comparison: Comparison) -> RenderableType:
    """The runs side by side, the breakdowns, and each pair's test and verdict."""
    parts: list[RenderableType] = []
    runs = Table(box=box.SIMPLE_HEAD, title=f"{len(comparison.tasks)} shared tasks (95% intervals)")
    runs.add_column("run", overflow="fold")
    for column in ("episodes", "resolve rate", "mean score", "pass@k", "steps", "tokens", "cost"):
        runs.add_column(column, justify="right")
    for row in comparison.runs:
        pass_k = " ".join(f"@{k} {v:.2f}" for k, v in row.pass_at_k.items())
        runs.add_row(
            run_title(row.name, row.simulated),
            str(row.episodes),
            str(row.resolve_rate),
            str(row.mean_score),
            pass_k,
            f"{row.mean_steps:.1f}",
            f"{row.tokens:,}",
            f"{row.cost:.4f}",
        )
    parts.append(runs)
    names = [run.name for run in comparison.runs]
    for dimension in dict.fromkeys(b.dimension for b in comparison.breakdowns):
        table = Table(box=box.SIMPLE_HEAD, title=f"resolved by {dimension}")
        table.add_column(dimension)
        for name in names:
            table.add_column(name, justify="right", overflow="fold")
        for breakdown in comparison.breakdowns:
            if breakdown.dimension == dimension:
                counts = [breakdown.counts.get(name) for name in names]
                table.add_row(breakdown.key, *(f"{c[0]}/{c[1]}" if c else "-" for c in counts))
        parts.append(table)
    pairs = Table(box=box.SIMPLE_HEAD, title="paired tests (McNemar exact; bootstrap intervals)")
    for column in ("A", "B", "only A", "only B", "p", "resolve rate A-B", "score A-B", "verdict"):
        pairs.add_column(column, overflow="fold")
    for pair in comparison.pairs:
        pairs.add_row(
            pair.a,
            pair.b,
            str(pair.test.a_only),
            str(pair.test.b_only),
            f"{pair.test.p_value:.3g}",
            str(pair.test.difference),
            str(pair.score_difference),
            f"[bold]{pair.verdict}[/]",
        )
    parts.append(pairs)
    if comparison.simulated:
        parts.append(
            Text.from_markup(
                f"[magenta]Simulated runs ({', '.join(comparison.simulated)}) were produced by a simulated "
                "model: not a model's performance.[/]"
            )
        )
    return Group(*parts)


def retry_view(report: RetryReport) -> RenderableType:
    """Each retried episode, the fix rate per failure label, and the before/after test."""
    parts: list[RenderableType] = []
    episodes = Table(box=box.SIMPLE_HEAD, title=f"retries of {run_title(report.run, report.simulated)}")
    for column in ("task", "#", "label before", "label after", "score", "attempts", "steps", "stopped"):
        episodes.add_column(column, overflow="fold")
    for r in report.results:
        steps = f"{r.steps_before} -> {r.steps_after}" if r.steps_after is not None else str(r.steps_before)
        episodes.add_row(
            r.task_id,
            str(r.episode_index),
            r.original_label,
            r.retry_label or "-",
            f"{r.original_score:.2f} -> {r.retry_score:.2f}",
            str(r.attempts),
            steps,
            r.stop_reason,
        )
    parts.append(episodes)
    labels = Table(box=box.SIMPLE_HEAD, title="fixed by a retry, per original failure label")
    for column in ("label", "fixed", "retried"):
        labels.add_column(column)
    for label, (fixed, tried) in report.by_label.items():
        labels.add_row(label, str(fixed), str(tried))
    parts.append(labels)
    summary = (
        f"resolved before: {report.resolved_before}/{report.episodes}   "
        f"after retries: {report.resolved_after}/{report.episodes}"
    )
    if report.test is not None:
        summary += f"   McNemar exact p = {report.test.p_value:.3g}: " + report.test.verdict(
            a_name="after retries", b_name="before"
        )
    parts.append(Text(summary))
    if report.simulated:
        parts.append(
            Text.from_markup(
                "[magenta]Simulated: produced by a simulated model, not a model's performance.[/]"
            )
        )
    return Group(*parts)
