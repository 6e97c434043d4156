"""`CompositeScorer`: several text metrics, one weighted score, a pass/fail verdict."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic import BaseModel

from fixloop.models.base import Model
from fixloop.scoring.errors import ScorerConfigError, ScorerError
from fixloop.scoring.judge import judge_verdict
from fixloop.scoring.semantic import Embedder, semantic_similarity
from fixloop.scoring.spec import Metric, ScoringSpec
from fixloop.scoring.text_metrics import bleu, contains, exact, rouge_l

_TEXT_METRICS = {"exact": exact, "contains": contains, "rouge_l": rouge_l, "bleu": bleu}


class ScoreCard(BaseModel):
    """One output's scores: per metric (each in [0, 1]), weighted, and the verdict."""

    scores: dict[Metric, float]
    """Each metric's score, in the spec's order."""
    weighted: float
    """The weight-averaged score."""
    passed: bool
    """Whether `weighted` reached the spec's pass threshold."""
    weak: list[Metric]
    """The metrics below their threshold, in the spec's order."""
    judge_reasoning: str | None = None
    """Why the judge gave its score, when the judge metric ran."""


class CompositeScorer:
    """Scores an output against an expected answer by the metrics of a `ScoringSpec`.

    The judge metric needs `judge` (a Model) and the semantic metric needs `embedder`; a
    spec that uses either without it is refused at construction with ScorerConfigError.
    """

    def __init__(
        self, spec: ScoringSpec, *, judge: Model | None = None, embedder: Embedder | None = None
    ) -> None:
        if "judge" in spec.metrics and judge is None:
            raise ScorerConfigError(
                f"scoring {spec.name!r} uses the judge metric, which needs a judge model: "
                "pass judge=<a Model>, or leave 'judge' out of the metrics"
            )
        if "semantic" in spec.metrics and embedder is None:
            raise ScorerConfigError(
                f"scoring {spec.name!r} uses the semantic metric, which needs an embedder: "
                "pass embedder=<an Embedder>, or leave 'semantic' out of the metrics"
            )
        self.spec = spec
        self.judge = judge
        self.embedder = embedder

    @classmethod
    def from_preset(
        cls,
        name: str,
        *,
        judge: Model | None = None,
        embedder: Embedder | None = None,
        metrics: Sequence[str] | None = None,
        weights: Mapping[str, float] | None = None,
        thresholds: Mapping[str, float] | None = None,
        pass_threshold: float | None = None,
    ) -> CompositeScorer:
        """A scorer for preset `name` (see `fixloop.scoring.spec`), optionally overridden.

        Raises ScorerConfigError as `ScoringSpec.preset` and the constructor do.
        """
        spec = ScoringSpec.preset(
            name, metrics=metrics, weights=weights, thresholds=thresholds, pass_threshold=pass_threshold
        )
        return cls(spec, judge=judge, embedder=embedder)

    def score(self, output: str, expected: str, *, task: str = "") -> ScoreCard:
        """Score `output` against `expected`; `task` is what was asked (the judge reads it).

        Raises ScorerError when any metric cannot score (then there is no card at all).
        """
        if not expected.strip():
            raise ScorerError("expected", "the expected answer is blank; there is nothing to score against")
        scores: dict[Metric, float] = {}
        reasoning = None
        for metric in self.spec.metrics:
            if metric == "judge":
                assert self.judge is not None  # checked in __init__
                verdict = judge_verdict(
                    self.judge, task=task, output=output, expected=expected, criteria=self.spec.judge_criteria
                )
                scores[metric], reasoning = verdict.score, verdict.reasoning
            elif metric == "semantic":
                assert self.embedder is not None  # checked in __init__
                scores[metric] = semantic_similarity(self.embedder, output, expected)
            else:
                scores[metric] = _TEXT_METRICS[metric](output, expected)
        total_weight = sum(self.spec.weight(metric) for metric in scores)
        weighted = sum(self.spec.weight(metric) * value for metric, value in scores.items()) / total_weight
        return ScoreCard(
            scores=scores,
            weighted=weighted,
            passed=weighted >= self.spec.pass_threshold,
            weak=[metric for metric, value in scores.items() if value < self.spec.threshold(metric)],
            judge_reasoning=reasoning,
        )
