"""The reference-based text metrics: exact, contains, rouge_l and bleu. Each maps
(output, expected) to a score in [0, 1], higher is better.

- **exact**: 1.0 when the output equals the expected answer after normalising line ends
  to `\\n`, dropping trailing whitespace on each line and blank space around the whole
  text; else 0.0. Case and inner whitespace count.
- **contains**: the fraction of the expected answer's key phrases found in the output. The
  key phrases are the expected answer's non-blank lines, so a one-line answer scores 1.0
  when the output contains it and 0.0 otherwise, and a multi-line answer (code, a list of
  points) gets partial credit per line. Matching ignores case and collapses runs of
  whitespace.
- **rouge_l**: the ROUGE-L F-measure from `rouge-score` (default tokenizer, no stemming).
  That tokenizer keeps only ASCII letters and digits, so an expected answer with none of
  them (Chinese, Russian, ...) is a `ScorerError` rather than a silent 0.
- **bleu**: `sacrebleu.sentence_bleu(output, [expected]).score / 100` (its defaults:
  `13a` tokenizer, exponential smoothing, effective order), capped at 1.0.

The libraries are imported on first use: rouge-score pulls in nltk, which takes seconds to
import and is not needed by a command that never scores text.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from fixloop.scoring.errors import ScorerError

_WHITESPACE = re.compile(r"\s+")


def exact(output: str, expected: str) -> float:
    """1.0 when `output` equals `expected` up to line ends and surrounding whitespace, else 0.0."""
    return 1.0 if _normalized(output) == _normalized(expected) else 0.0


def contains(output: str, expected: str) -> float:
    """The fraction of `expected`'s non-blank lines that occur in `output` (case and spacing ignored).

    Raises ScorerError when `expected` has no non-blank line.
    """
    phrases = [_collapsed(line) for line in expected.splitlines() if line.strip()]
    if not phrases:
        raise ScorerError("contains", "the expected answer is blank; there is nothing to look for")
    haystack = _collapsed(output)
    return sum(phrase in haystack for phrase in phrases) / len(phrases)


def rouge_l(output: str, expected: str) -> float:
    """The ROUGE-L F-measure of `output` against `expected`, by rouge-score.

    Raises ScorerError when `expected` has no token rouge-score's tokenizer keeps.
    """
    from rouge_score import tokenize

    if not tokenize.tokenize(expected, None):
        raise ScorerError(
            "rouge_l",
            "the expected answer has no ASCII letter or digit, the only tokens rouge-score keeps; "
            "leave rouge_l out of the metrics for such text (bleu, semantic and judge still work)",
        )
    return float(_rouge_scorer().score(expected, output)["rougeL"].fmeasure)


def bleu(output: str, expected: str) -> float:
    """sacrebleu's sentence BLEU of `output` against the single reference `expected`, scaled to [0, 1]."""
    import sacrebleu

    return min(1.0, sacrebleu.sentence_bleu(output, [expected]).score / 100.0)


@cache
def _rouge_scorer() -> Any:
    from rouge_score import rouge_scorer

    return rouge_scorer.RougeScorer(["rougeL"], use_stemmer=False)


def _normalized(text: str) -> str:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(line.rstrip() for line in lines).strip()


def _collapsed(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip().casefold()
