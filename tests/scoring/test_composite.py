"""CompositeScorer: presets, weights, thresholds, the pass verdict, and refusing what it cannot score."""

from __future__ import annotations

import json

import pytest

from fixloop.models.scripted import ScriptedModel
from fixloop.scoring.composite import CompositeScorer
from fixloop.scoring.errors import ScorerConfigError, ScorerError
from fixloop.scoring.spec import PRESET_THRESHOLDS, ScoringSpec


def judge_saying(score: float, reasoning: str = "fine") -> ScriptedModel:
    return ScriptedModel(lambda messages: json.dumps({"score": score, "reasoning": reasoning}))


class ConstantEmbedder:
    def embed(self, texts: list[str]) -> list[list[float]]:
        return [[1.0, 0.0] for _ in texts]


def test_presets_have_the_documented_thresholds():
    assert PRESET_THRESHOLDS == {
        "qa": {"rouge_l": 0.3, "contains": 0.5, "judge": 0.55},
        "code": {"rouge_l": 0.1, "exact": 0.3, "contains": 0.5, "judge": 0.55},
        "summary": {"rouge_l": 0.5, "semantic": 0.4, "judge": 0.55},
        "translation": {"bleu": 0.3, "rouge_l": 0.3, "judge": 0.55},
    }


def test_a_metric_added_to_a_preset_uses_the_default_threshold():
    spec = ScoringSpec.preset("qa", metrics=["contains", "bleu"])
    assert (spec.threshold("contains"), spec.threshold("bleu")) == (0.5, 0.5)


def test_the_weighted_score_averages_metrics_by_weight():
    scorer = CompositeScorer.from_preset(
        "qa", judge=judge_saying(0.0), metrics=["contains", "judge"], weights={"contains": 3}
    )
    card = scorer.score("It is Paris.", "Paris")
    assert card.scores == {"contains": 1.0, "judge": 0.0}
    assert card.weighted == pytest.approx(0.75)


def test_an_output_passes_when_its_weighted_score_reaches_the_pass_threshold():
    scorer = CompositeScorer.from_preset("qa", metrics=["contains", "exact"], pass_threshold=0.5)
    assert scorer.score("It is Paris.", "Paris").passed
    assert not scorer.score("It is Lyon.", "Paris").passed


def test_metrics_below_their_threshold_are_weak():
    card = CompositeScorer.from_preset("qa", judge=judge_saying(0.9)).score(
        "I am quite sure that the capital of France is Paris.", "Paris"
    )
    assert card.weak == ["rouge_l"]
    assert card.judge_reasoning == "fine"


def test_a_preset_with_the_judge_needs_a_judge_model():
    with pytest.raises(ScorerConfigError, match="needs a judge model: pass judge="):
        CompositeScorer.from_preset("qa")


def test_a_preset_with_the_semantic_metric_needs_an_embedder():
    with pytest.raises(ScorerConfigError, match="needs an embedder: pass embedder="):
        CompositeScorer.from_preset("summary", judge=judge_saying(1.0))


def test_overriding_the_metrics_drops_the_need_for_a_judge():
    scorer = CompositeScorer.from_preset("summary", metrics=["rouge_l"])
    assert scorer.score("a b c", "a b c").passed


def test_the_semantic_metric_uses_the_embedder():
    scorer = CompositeScorer.from_preset("summary", metrics=["semantic"], embedder=ConstantEmbedder())
    assert scorer.score("x", "y").scores == {"semantic": 1.0}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"metrics": ["rouge"]}, "unknown metric 'rouge'"),
        ({"weights": {"bleu": 1.0}}, r"weights: \['bleu'\] not among the metrics"),
        ({"weights": {"contains": -1.0}}, "must be a finite number >= 0"),
        (
            {"metrics": ["contains"], "weights": {"contains": 0.0}},
            "at least one metric needs a weight above 0",
        ),
        ({"metrics": ["contains", "contains"]}, "names a metric twice"),
    ],
)
def test_inconsistent_overrides_are_refused(overrides, message):
    with pytest.raises(ScorerConfigError, match=message):
        ScoringSpec.preset("qa", **overrides)


def test_an_unknown_preset_is_refused_with_the_known_ones():
    with pytest.raises(ScorerConfigError, match="known presets: qa, code, summary, translation"):
        ScoringSpec.preset("poetry")


def test_a_judge_reply_that_does_not_parse_is_a_scorer_error_not_a_zero():
    scorer = CompositeScorer.from_preset("qa", judge=ScriptedModel(["looks good to me"]))
    with pytest.raises(ScorerError, match="judge"):
        scorer.score("Paris", "Paris")


def test_a_blank_expected_answer_cannot_be_scored():
    with pytest.raises(ScorerError, match="expected answer is blank"):
        CompositeScorer.from_preset("qa", metrics=["exact"]).score("Paris", "  ")
