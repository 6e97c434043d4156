"""A run's stored critic evaluations as the report's "Critic" section shows them.

`fixloop critic eval RUN --model M` stores, with the run, how the critic's Φ compared with
the ground truth Φ* over its steps (a `CriticEvaluation`). `critic_views(store, runs)` reads
them back: for each run that has any, a `CriticView` with one row per evaluation (oldest
first) and a chart of every evaluation's calibration table, the mean critic Φ against the
mean Φ* of each Φ* bin next to the diagonal a perfectly calibrated critic would lie on. A
run without evaluations has no view, and the report shows nothing for it.

A simulated evaluation (a simulated critic, or simulated episodes) is labelled
`SIMULATED_LABEL` in its row, its chart's legend and the JSON the report embeds
(`CriticView.summary`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from fixloop.improve.critic.critic import PHI_MAX
from fixloop.improve.critic.metrics import CriticEvaluation
from fixloop.report import charts
from fixloop.report.training_section import SIMULATED_LABEL
from fixloop.store import Store


@dataclass(frozen=True)
class StoredEvaluation:
    """One stored evaluation of a critic over the run, and when it was stored (ISO 8601)."""

    evaluation: CriticEvaluation
    simulated: bool
    created_at: str

    @property
    def critic(self) -> str:
        """The critic's name."""
        return self.evaluation.critic


@dataclass(frozen=True)
class CriticView:
    """A run's critic evaluations, ready to render; build them with `critic_views`."""

    run: str
    evaluations: list[StoredEvaluation]
    calibration_figure: go.Figure

    def summary(self) -> dict[str, Any]:
        """The run's evaluations as plain JSON: what the report embeds next to the chart."""
        return {
            "run": self.run,
            "evaluations": [
                {
                    **stored.evaluation.model_dump(mode="json"),
                    "simulated": stored.simulated,
                    "label": SIMULATED_LABEL if stored.simulated else None,
                    "created_at": stored.created_at,
                }
                for stored in self.evaluations
            ],
        }


def critic_views(store: Store, runs: Sequence[str]) -> list[CriticView]:
    """The critic evaluations stored with each of `runs`, in their order; runs without any
    are left out. Raises StoreError for an unknown run, and pydantic's ValidationError when a
    stored evaluation is not a `CriticEvaluation`."""
    views = []
    for run in runs:
        rows = store.critic_evaluations(run)
        if not rows:
            continue
        stored = [_stored(row) for row in rows]
        views.append(CriticView(run=run, evaluations=stored, calibration_figure=_calibration_figure(stored)))
    return views


def _stored(row: dict[str, Any]) -> StoredEvaluation:
    evaluation = CriticEvaluation.model_validate(row["evaluation"])
    return StoredEvaluation(
        evaluation=evaluation,
        simulated=bool(row["simulated"]) or evaluation.simulated,
        created_at=str(row["created_at"]),
    )


def _calibration_figure(evaluations: Sequence[StoredEvaluation]) -> go.Figure:
    names = [e.critic for e in evaluations]
    # A critic evaluated more than once is told apart by when each evaluation was stored.
    labels = [
        f"{name} ({e.created_at[:19].replace('T', ' ')})" if names.count(name) > 1 else name
        for name, e in zip(names, evaluations, strict=True)
    ]
    return charts.calibration_chart(
        labels,
        [e.evaluation.calibration for e in evaluations],
        [e.simulated for e in evaluations],
        phi_max=PHI_MAX,
    )
