"""The two ways scoring fails: a scorer that cannot be built, and a score that cannot be computed."""

from __future__ import annotations


class ScorerConfigError(ValueError):
    """A scorer cannot be built as asked (unknown preset or metric, bad weights, a missing
    judge model or embedder). Raised before anything is scored; the message says what to change."""


class ScorerError(RuntimeError):
    """One metric could not produce a score for this output (the judge's reply did not parse,
    the embedder failed, the text cannot be tokenized).

    Callers report it as it is; it is never replaced by a fallback score. `metric` names the
    metric that failed.
    """

    def __init__(self, metric: str, message: str) -> None:
        super().__init__(f"{metric}: {message}")
        self.metric = metric
