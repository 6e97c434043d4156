"""Experiment tracking in MLflow: a run's or a training's settings, its metrics as they come,
and its artifacts (the skill, the HTML report, the settings and the ledger as files).

`MlflowTracker` is one MLflow run in the experiment `$MLFLOW_EXPERIMENT_NAME` (default
"fixloop"), named after the fixloop run or training and tagged `fixloop.kind` (run or
train) and `simulated` ("true" when a simulated model produced it, so it is never read as a
model's performance). `finish` ends it with a status (FINISHED, FAILED, KILLED).

What reaches MLflow is redacted first (`fixloop.store.redaction`): parameters by name and
value (an `api_key` or `Authorization` value never leaves), text artifacts by value. The
settings fixloop passes hold no key to begin with; this is the second line.

The tracking URI is MLflow's: `sqlite:///mlflow.db` (MLflow's recommended local store),
`http://HOST:PORT` (a tracking server), or a local file store, `file:./mlruns` or a plain
directory. MLflow 3 keeps the file store in maintenance mode and refuses it unless
`MLFLOW_ALLOW_FILE_STORE` is set; naming a file store here is that consent, so the tracker
sets it for this process. MLflow's telemetry is turned off (`MLFLOW_DISABLE_TELEMETRY`):
fixloop makes no network call but to the endpoints the user configured.

mlflow is an optional extra, imported only when a tracker is made: without it the tracker
raises `TrackingUnavailable` naming `pip install 'fixloop[mlflow]'` (mlflow-skinny, the
client without the server, serves every store above).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from types import ModuleType, TracebackType
from typing import Any, Literal
from urllib.parse import urlparse

from fixloop.improve.ledger import LedgerEntry
from fixloop.improve.skills.trainer import TrainingResult
from fixloop.rollout.run_session import RunProgress
from fixloop.store.redaction import redact, redact_text

INSTALL_HINT = "pip install 'fixloop[mlflow]'"
EXPERIMENT_ENV = "MLFLOW_EXPERIMENT_NAME"
"""The environment variable naming the MLflow experiment (MLflow's own)."""
DEFAULT_EXPERIMENT = "fixloop"
MAX_PARAM_CHARS = 500
"""Longest parameter value logged; longer ones (a skill's markdown) are cut, and the whole
settings are in the `config.json` artifact."""

TrackingKind = Literal["run", "train"]


class TrackingUnavailable(RuntimeError):
    """MLflow is not installed, or the tracking URI cannot be used; the message says what to do."""


def is_file_store(uri: str) -> bool:
    """Whether `uri` names MLflow's local file store (a `file:` URI or a plain path)."""
    scheme = urlparse(uri).scheme
    return scheme in ("", "file") or len(scheme) == 1  # a one-letter scheme is a Windows drive


def tracking_params(config: Mapping[str, Any]) -> dict[str, str]:
    """`config` as MLflow parameters: redacted, nested keys joined with dots, lists as JSON,
    values cut at `MAX_PARAM_CHARS`."""
    flat: dict[str, str] = {}

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, Mapping) and value:
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), item)
            return
        text = value if isinstance(value, str) else json.dumps(value)
        flat[prefix] = text if len(text) <= MAX_PARAM_CHARS else text[: MAX_PARAM_CHARS - 3] + "..."

    walk("", redact(dict(config)))
    return flat


def load_mlflow(uri: str) -> ModuleType:
    """mlflow, with telemetry off and (for a file store at `uri`) the file store allowed.
    Raises TrackingUnavailable, naming the install command, without it."""
    os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
    if is_file_store(uri):
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    try:
        import mlflow.tracking
    except ImportError:
        raise TrackingUnavailable(f"--mlflow needs MLflow: {INSTALL_HINT}") from None
    return mlflow


class MlflowTracker:
    """One MLflow run (see the module docstring). Every method raises `TrackingUnavailable`
    when MLflow refuses the call (an unreachable server, a store it cannot open)."""

    def __init__(self, uri: str, name: str, *, kind: TrackingKind, simulated: bool) -> None:
        mlflow = load_mlflow(uri)
        self._entities = mlflow.entities
        self._error: type[Exception] = mlflow.exceptions.MlflowException
        self.uri = uri
        experiment = os.environ.get(EXPERIMENT_ENV) or DEFAULT_EXPERIMENT
        tags = {"fixloop.kind": kind, "fixloop.name": name, "simulated": str(simulated).lower()}
        with self._calls():
            self.client = mlflow.tracking.MlflowClient(tracking_uri=uri)
            found = self.client.get_experiment_by_name(experiment)
            experiment_id = found.experiment_id if found else self.client.create_experiment(experiment)
            self.run_id: str = self.client.create_run(experiment_id, run_name=name, tags=tags).info.run_id

    def log_config(self, config: Mapping[str, Any]) -> None:
        """The settings as parameters (`tracking_params`) and, whole, as `config.json`."""
        params = [self._entities.Param(key, value) for key, value in tracking_params(config).items()]
        with self._calls():
            self.client.log_batch(self.run_id, params=params)
        self.log_text(json.dumps(redact(dict(config)), indent=2, sort_keys=True), "config.json")

    def log_metrics(self, metrics: Mapping[str, float | None], step: int) -> None:
        """`metrics` at `step`; None values (not measured) are left out."""
        now = int(time.time() * 1000)
        batch = [
            self._entities.Metric(key, float(value), now, step)
            for key, value in metrics.items()
            if value is not None
        ]
        with self._calls():
            self.client.log_batch(self.run_id, metrics=batch)

    def log_text(self, text: str, artifact_file: str) -> None:
        """`text`, redacted, as the artifact `artifact_file` (a relative path)."""
        with self._calls():
            self.client.log_text(self.run_id, redact_text(text), artifact_file)

    def finish(self, status: Literal["FINISHED", "FAILED", "KILLED"] = "FINISHED") -> None:
        """End the MLflow run with `status`."""
        with self._calls():
            self.client.set_terminated(self.run_id, status)

    def _calls(self) -> _Translated:
        return _Translated(self._error, self.uri)


class _Translated:
    """Turns MLflow's errors (and OS errors of a local store) into `TrackingUnavailable`."""

    def __init__(self, error: type[Exception], uri: str) -> None:
        self.error = error
        self.uri = uri

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        if exc is not None and isinstance(exc, self.error | OSError):
            raise TrackingUnavailable(f"MLflow at {redact_text(self.uri)} failed: {exc}") from exc


def run_metrics(progress: RunProgress) -> dict[str, float | None]:
    """A run's figures after each episode: episodes, resolved, resolve rate (of the scored
    episodes; None before any), infra errors, tokens and cost in USD."""
    scored = progress.finished - progress.infra_errors
    return {
        "episodes": progress.finished,
        "resolved": progress.resolved,
        "resolve_rate": progress.resolved / scored if scored else None,
        "infra_errors": progress.infra_errors,
        "tokens": progress.tokens,
        "cost_usd": progress.cost,
    }


class LedgerMetrics:
    """A training's figures per ledger entry (step = the entry's seq), logged once each, with
    running totals of adopted and rejected proposals, tokens and cost."""

    def __init__(self) -> None:
        self.logged: set[int] = set()
        self.adopted = 0
        self.rejected = 0
        self.tokens = 0
        self.cost_usd = 0.0

    def new(self, entries: list[LedgerEntry]) -> list[tuple[int, dict[str, float | None]]]:
        """(step, metrics) for each entry of `entries` not logged yet, in seq order."""
        rows = []
        for entry in sorted(entries, key=lambda e: e.seq):
            if entry.seq in self.logged:
                continue
            self.logged.add(entry.seq)
            self.adopted += entry.adopted
            self.rejected += not entry.adopted
            self.tokens += entry.proposing_tokens + entry.evaluation_tokens
            self.cost_usd += entry.proposing_cost_usd + entry.evaluation_cost_usd
            verdict = entry.verdict
            rows.append(
                (
                    entry.seq,
                    {
                        "epoch": entry.epoch,
                        "adopted": int(entry.adopted),
                        "adopted_total": self.adopted,
                        "rejected_total": self.rejected,
                        "proposals": len(entry.proposals) if entry.kind == "step" else len(entry.guidance),
                        "edits_tried": len(entry.edits) - len(entry.rejected_edits),
                        "edits_unapplied": len(entry.rejected_edits),
                        "selection_incumbent_rate": verdict.incumbent_rate if verdict else None,
                        "selection_candidate_rate": verdict.candidate_rate if verdict else None,
                        "selection_difference": verdict.difference if verdict else None,
                        "gate_p_value": verdict.p_value if verdict else None,
                        "tokens_total": self.tokens,
                        "cost_usd_total": self.cost_usd,
                    },
                )
            )
        return rows


def training_result_metrics(result: TrainingResult) -> dict[str, float | None]:
    """A finished training's summary: the final skill's size, rollouts, spend, and the
    held-out test comparison (None when the training stopped before it)."""
    test = result.test
    return {
        "final_skill_tokens": result.final_tokens,
        "rollouts": result.rollouts,
        "tokens": result.tokens,
        "cost_usd": result.cost_usd,
        "test_baseline_rate": test.baseline_rate if test else None,
        "test_final_rate": test.final_rate if test else None,
        "test_difference": test.difference if test else None,
        "test_p_value": test.p_value if test else None,
    }
