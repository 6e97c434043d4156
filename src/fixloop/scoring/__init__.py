"""Composite text scorers for tasks without tests: compare an output with an expected answer.

Metrics (each in [0, 1], higher is better): `exact`, `contains`, `rouge_l` and `bleu` (see
`text_metrics`), `semantic` (cosine of embeddings from your `Embedder`) and `judge` (a
`Model` grading with reasons). A `ScoringSpec` chooses metrics, weights and thresholds,
usually from a preset (`qa`, `code`, `summary`, `translation`); a `CompositeScorer` applies
it and returns a `ScoreCard`. A metric that cannot score raises `ScorerError`; nothing is
ever scored by a fallback heuristic.
"""

from fixloop.scoring.composite import CompositeScorer, ScoreCard
from fixloop.scoring.errors import ScorerConfigError, ScorerError
from fixloop.scoring.judge import JudgeVerdict
from fixloop.scoring.semantic import Embedder
from fixloop.scoring.spec import METRICS, PRESET_THRESHOLDS, Metric, ScoringSpec
from fixloop.scoring.suggestions import suggestion

__all__ = [
    "METRICS",
    "PRESET_THRESHOLDS",
    "CompositeScorer",
    "Embedder",
    "JudgeVerdict",
    "Metric",
    "ScoreCard",
    "ScorerConfigError",
    "ScorerError",
    "ScoringSpec",
    "suggestion",
]
