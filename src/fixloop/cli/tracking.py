"""`--mlflow URI` for the commands that run episodes (run, train): what they track, and when.

`check_tracking` refuses `--mlflow` without the extra before the command does anything, and
the tracker starts before any episode, so an unusable URI stops the command before it
spends anything. Once started, tracking never stops the work: a failure
while logging is reported once on standard error and tracking ends there, while the run or
training goes on (its results are in the store either way).

- `fixloop run`: the run's settings; after each episode, episodes, resolved, resolve_rate,
  infra_errors, tokens and cost_usd (step = episodes finished in this invocation); at the end
  the run's HTML report and the skill it gave the agent (skill.md, when it had one).
- `fixloop train`: the training's settings; each ledger entry as it is decided (step = its
  seq: the selection rates and the gate's p, adopted and rejected totals, spend); at the end
  the held-out test figures, the final skill (skill.md), the ledger (ledger.jsonl) and the
  report with the training section (report.html, when the test split ran).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, Literal

import typer
from rich.markup import escape

from fixloop.cli.analysis import report_html
from fixloop.cli.common import err, fail
from fixloop.improve.ledger import Ledger
from fixloop.improve.skills.trainer import TrainingResult
from fixloop.integrations.mlflow_tracking import (
    LedgerMetrics,
    MlflowTracker,
    TrackingKind,
    TrackingUnavailable,
    load_mlflow,
    run_metrics,
    training_result_metrics,
)
from fixloop.rollout.run_session import RunProgress, RunSettings
from fixloop.store import RunInfo, Store

MlflowOption = Annotated[
    str | None,
    typer.Option(
        "--mlflow",
        metavar="URI",
        help="Track in MLflow at this tracking URI (sqlite:///mlflow.db, file:./mlruns, http://HOST:PORT): "
        "settings, metrics as they come, the skill and the report. Needs pip install 'fixloop[mlflow]'.",
    ),
]
"""`--mlflow`, for every command that runs episodes (run, train)."""


class Tracking:
    """A command's tracker, or none (without --mlflow every call does nothing)."""

    def __init__(self, tracker: MlflowTracker | None) -> None:
        self.tracker = tracker
        self._ledger = LedgerMetrics()

    def metrics(self, metrics: Mapping[str, float | None], step: int) -> None:
        """Log `metrics` at `step`."""
        self._safely(lambda t: t.log_metrics(metrics, step))

    def text(self, text: str, artifact_file: str) -> None:
        """Log `text` as the artifact `artifact_file`."""
        self._safely(lambda t: t.log_text(text, artifact_file))

    def episode(self, counts: RunProgress) -> None:
        """A run's figures after one more episode."""
        self.metrics(run_metrics(counts), counts.finished)

    def ledger(self, store: Store, training: str) -> None:
        """The training's ledger entries decided since the last call."""
        if self.tracker is None:
            return
        for step, metrics in self._ledger.new(Ledger(store, training).entries()):
            self.metrics(metrics, step)

    def run_artifacts(self, store: Store, info: RunInfo, settings: RunSettings) -> None:
        """The run's report and the skill its agent was given."""
        if self.tracker is None:
            return
        if store.finished_keys(info):
            self.text(report_html(store, [info.name], [], title=f"fixloop run {info.name}"), "report.html")
        if settings.skill.strip():
            self.text(settings.skill, "skill.md")

    def training_artifacts(self, store: Store, name: str, result: TrainingResult) -> None:
        """The training's last ledger entries, its result figures, final skill, ledger and report."""
        if self.tracker is None:
            return
        self.ledger(store, name)
        self.metrics(training_result_metrics(result), len(result.steps))
        self.text(store.skill_version(result.final_skill).markdown, "skill.md")
        self.text(Ledger(store, name).to_jsonl(), "ledger.jsonl")
        if result.test is not None:
            self.text(report_html(store, [], [name], title=f"fixloop training {name}"), "report.html")

    def finish(self, status: Literal["FINISHED", "FAILED", "KILLED"]) -> None:
        """End the MLflow run with `status`."""
        self._safely(lambda t: t.finish(status))

    def _safely(self, call: Callable[[MlflowTracker], None]) -> None:
        if self.tracker is None:
            return
        try:
            call(self.tracker)
        except TrackingUnavailable as exc:
            err.print(f"[yellow]MLflow tracking stopped:[/] {exc}", soft_wrap=True)
            self.tracker = None


def check_tracking(uri: str | None) -> None:
    """Fail (exit 2) now when `--mlflow` is given without MLflow installed."""
    if uri is None:
        return
    try:
        load_mlflow(uri)
    except TrackingUnavailable as exc:
        raise fail(escape(str(exc))) from None


@contextmanager
def tracking(
    uri: str | None, name: str, *, kind: TrackingKind, simulated: bool, config: Mapping[str, Any]
) -> Iterator[Tracking]:
    """Track the block in MLflow at `uri` (nothing when None): the MLflow run is named `name`
    and holds `config` as its parameters; it ends FAILED when the block raises. Fails (exit 2)
    without the extra or when the URI cannot be used."""
    if uri is None:
        yield Tracking(None)
        return
    try:
        tracker = MlflowTracker(uri, name, kind=kind, simulated=simulated)
        tracker.log_config(config)
    except TrackingUnavailable as exc:
        raise fail(escape(str(exc))) from None
    track = Tracking(tracker)
    try:
        yield track
    except KeyboardInterrupt:
        track.finish("KILLED")
        raise
    except BaseException:
        track.finish("FAILED")
        raise
    track.finish("FINISHED")
