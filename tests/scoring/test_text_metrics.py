"""The reference-based metrics agree with the libraries they wrap, and exact/contains mean what they say."""

from __future__ import annotations

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from fixloop.scoring.errors import ScorerError
from fixloop.scoring.text_metrics import bleu, contains, exact, rouge_l

PAIRS = [
    ("The capital of France is Paris.", "Paris"),
    ("the cat sat on the mat", "the cat sat on the mat"),
    ("a quick brown fox jumps over the lazy dog", "the quick brown fox jumped over a lazy dog"),
    ("def add(a, b):\n    return a - b\n", "def add(a, b):\n    return a + b\n"),
    ("completely unrelated words here", "the expected reference sentence"),
    ("", "Paris"),
]


@pytest.mark.parametrize(("output", "expected"), PAIRS)
def test_rouge_l_is_rouge_score_rougeL_fmeasure(output, expected):
    reference = rouge_scorer.RougeScorer(["rougeL"]).score(expected, output)["rougeL"].fmeasure
    assert rouge_l(output, expected) == pytest.approx(reference)


@pytest.mark.parametrize(("output", "expected"), PAIRS)
def test_bleu_is_sacrebleu_sentence_bleu_over_100(output, expected):
    reference = sacrebleu.sentence_bleu(output, [expected]).score / 100
    assert bleu(output, expected) == pytest.approx(min(1.0, reference))


def test_bleu_of_an_identical_sentence_is_capped_at_one():
    assert bleu("the cat sat on the mat", "the cat sat on the mat") == 1.0


def test_rouge_l_refuses_an_expected_answer_its_tokenizer_cannot_read():
    with pytest.raises(ScorerError, match=r"rouge_l: .*ASCII"):
        rouge_l("巴黎", "巴黎")


def test_exact_ignores_line_ends_and_surrounding_whitespace():
    assert exact("  def f():\r\n    return 1   \r\n\n", "def f():\n    return 1") == 1.0


def test_exact_counts_case_and_inner_whitespace():
    assert exact("paris", "Paris") == 0.0
    assert exact("return  1", "return 1") == 0.0


def test_contains_a_one_line_answer_is_all_or_nothing():
    assert contains("I am sure the capital is PARIS.", "Paris") == 1.0
    assert contains("The capital is Lyon.", "Paris") == 0.0


def test_contains_gives_credit_per_expected_line():
    expected = "import math\nx = math.sqrt(2)\nprint(x)\n\n"
    output = "import   math\nx = math.sqrt(2)\n"
    assert contains(output, expected) == pytest.approx(2 / 3)


def test_contains_refuses_a_blank_expected_answer():
    with pytest.raises(ScorerError, match="contains"):
        contains("anything", " \n ")
