"""What a composite score is made of: metrics, weights, thresholds, and the presets that fill them in.

A metric scoring below its threshold is *weak* (the feedback loop says how to fix each weak
metric). The weighted score is the weight-averaged metric scores; an output *passes* when
its weighted score reaches `pass_threshold`. Metrics weigh 1.0 unless told otherwise.

Presets (thresholds per metric; a metric added to a preset, or not listed, uses 0.5):

| preset      | metrics and thresholds                                   |
|-------------|----------------------------------------------------------|
| qa          | rouge_l 0.3, contains 0.5, judge 0.55                    |
| code        | rouge_l 0.1, exact 0.3, contains 0.5, judge 0.55         |
| summary     | rouge_l 0.5, semantic 0.4, judge 0.55                    |
| translation | bleu 0.3, rouge_l 0.3, judge 0.55                        |
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from fixloop.scoring.errors import ScorerConfigError

Metric = Literal["exact", "contains", "rouge_l", "bleu", "semantic", "judge"]
METRICS: tuple[Metric, ...] = get_args(Metric)
"""Every metric a `CompositeScorer` knows."""

DEFAULT_THRESHOLD = 0.5
"""The weak-metric threshold of a metric its spec names no threshold for."""

DEFAULT_PASS_THRESHOLD = 0.5
"""The weighted score an output needs to pass, unless a spec says otherwise."""

PRESET_THRESHOLDS: dict[str, dict[Metric, float]] = {
    "qa": {"rouge_l": 0.3, "contains": 0.5, "judge": 0.55},
    "code": {"rouge_l": 0.1, "exact": 0.3, "contains": 0.5, "judge": 0.55},
    "summary": {"rouge_l": 0.5, "semantic": 0.4, "judge": 0.55},
    "translation": {"bleu": 0.3, "rouge_l": 0.3, "judge": 0.55},
}
"""Each preset's metrics (the keys, in scoring order) and their thresholds."""

GENERIC_CRITERIA = "Is the candidate a correct and complete answer to the task, as good as the reference?"

JUDGE_CRITERIA: dict[str, str] = {
    "qa": "Is the answer correct and complete, and does it answer exactly what was asked?",
    "code": "Is the code correct, would it behave like the reference, and is it complete and runnable?",
    "summary": "Does the summary keep the reference's key points, add nothing false, and stay concise?",
    "translation": "Is the translation accurate and fluent, with the reference's meaning and nothing added?",
}
"""What the judge is asked to check, per preset."""


class ScoringSpec(BaseModel):
    """Which metrics make up a composite score, and how they are weighed and judged weak."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = "custom"
    """The preset this spec came from, or 'custom'."""
    metrics: tuple[Metric, ...] = Field(min_length=1)
    """The metrics to compute, in this order (put the costly judge last)."""
    weights: dict[Metric, float] = Field(default_factory=dict)
    """Weight per metric; a metric not named weighs 1.0."""
    thresholds: dict[Metric, float] = Field(default_factory=dict)
    """Below its threshold a metric is weak; a metric not named uses `DEFAULT_THRESHOLD`."""
    pass_threshold: float = Field(default=DEFAULT_PASS_THRESHOLD, ge=0.0, le=1.0)
    """The weighted score an output needs to pass."""
    judge_criteria: str = GENERIC_CRITERIA
    """What the judge metric is asked to check."""

    @model_validator(mode="after")
    def _consistent(self) -> ScoringSpec:
        if len(set(self.metrics)) != len(self.metrics):
            raise ValueError(f"metrics: {list(self.metrics)} names a metric twice")
        for field, values in (("weights", self.weights), ("thresholds", self.thresholds)):
            strays = [metric for metric in values if metric not in self.metrics]
            if strays:
                raise ValueError(f"{field}: {strays} not among the metrics {list(self.metrics)}")
        for metric, weight in self.weights.items():
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weights: {metric} must be a finite number >= 0, got {weight}")
        if sum(self.weight(metric) for metric in self.metrics) <= 0:
            raise ValueError("weights: at least one metric needs a weight above 0")
        for metric, threshold in self.thresholds.items():
            if not 0.0 <= threshold <= 1.0:
                raise ValueError(f"thresholds: {metric} must be between 0 and 1, got {threshold}")
        return self

    def weight(self, metric: Metric) -> float:
        """The weight of `metric` (1.0 unless set)."""
        return self.weights.get(metric, 1.0)

    def threshold(self, metric: Metric) -> float:
        """The weak-metric threshold of `metric` (`DEFAULT_THRESHOLD` unless set)."""
        return self.thresholds.get(metric, DEFAULT_THRESHOLD)

    @classmethod
    def preset(
        cls,
        name: str,
        *,
        metrics: Sequence[str] | None = None,
        weights: Mapping[str, float] | None = None,
        thresholds: Mapping[str, float] | None = None,
        pass_threshold: float | None = None,
    ) -> ScoringSpec:
        """The preset `name`, with its metric set, weights, thresholds or pass threshold overridden.

        Overridden thresholds are merged over the preset's. Raises ScorerConfigError for an
        unknown preset or metric, or weights and thresholds that do not fit the metrics.
        """
        if name not in PRESET_THRESHOLDS:
            raise ScorerConfigError(
                f"unknown scoring preset {name!r}; known presets: {', '.join(PRESET_THRESHOLDS)}"
            )
        for field, names in (("metrics", metrics), ("weights", weights), ("thresholds", thresholds)):
            unknown = [metric for metric in names or () if metric not in METRICS]
            if unknown:
                known = ", ".join(METRICS)
                raise ScorerConfigError(
                    f"preset {name!r}: {field}: unknown metric {unknown[0]!r}; known metrics: {known}"
                )
        preset = PRESET_THRESHOLDS[name]
        chosen = tuple(metrics) if metrics is not None else tuple(preset)
        merged = {metric: value for metric, value in preset.items() if metric in chosen} | dict(
            thresholds or {}
        )
        fields: dict[str, object] = {
            "name": name,
            "metrics": chosen,
            "weights": dict(weights or {}),
            "thresholds": merged,
            "judge_criteria": JUDGE_CRITERIA[name],
        }
        if pass_threshold is not None:
            fields["pass_threshold"] = pass_threshold
        try:
            return cls.model_validate(fields)
        except ValidationError as exc:
            raise ScorerConfigError(f"preset {name!r}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """Pydantic's errors as `field: message; ...`, without its 'Value error, ' prefix."""
    parts = []
    for error in exc.errors():
        location = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    return "; ".join(parts)
