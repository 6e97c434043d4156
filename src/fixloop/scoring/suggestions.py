"""What to do about a weak metric: one concrete suggestion per metric, for the next attempt's prompt.

Suggestions describe the gap (length, coverage, wording, the judge's reasons) but never
quote the expected answer: an answer copied from the reference would prove nothing.
"""

from __future__ import annotations

from fixloop.scoring.spec import Metric


def suggestion(metric: Metric, *, output: str, expected: str, judge_reasoning: str | None = None) -> str:
    """How to raise `metric` for `output`, given (but not revealing) `expected`."""
    if metric == "exact":
        return (
            "The answer must match the expected answer exactly: reply with the answer alone, "
            "with no preamble, explanation, quotes or code fences." + _length_hint(output, expected)
        )
    if metric == "contains":
        lines = [line for line in expected.splitlines() if line.strip()]
        if len(lines) > 1:
            return (
                f"The expected answer has {len(lines)} required lines or points and some are missing: "
                "cover every part the task asks for, each stated explicitly in its standard form."
            )
        return (
            "The expected answer does not appear in the output: "
            "state the answer itself explicitly, in its standard form."
        )
    if metric == "rouge_l":
        return (
            "Little of the expected wording appears in the output: use the task's own terms and "
            "state the answer directly." + _length_hint(output, expected)
        )
    if metric == "bleu":
        return (
            "Few phrases match the reference: translate faithfully, keep the source's terminology and "
            "order where the target language allows, and add no notes or alternatives."
            + _length_hint(output, expected)
        )
    if metric == "semantic":
        return (
            "The meaning of the output is far from the expected answer: re-read the task and answer "
            "exactly what it asks, without drifting into related topics."
        )
    reason = (judge_reasoning or "").strip()
    return (
        f"A reviewer found: {reason}"
        if reason
        else "A reviewer rated the answer low: check it against every part of the task."
    )


def _length_hint(output: str, expected: str) -> str:
    """A sentence about the output's length when it is far from the expected answer's, else ''."""
    have, want = len(output.split()), len(expected.split())
    size = f" The output has {have} words, the expected answer about {want}:"
    if have > 2 * want + 5:
        return f"{size} cut everything that is not the answer."
    if 2 * have + 5 < want:
        return f"{size} include the missing details."
    return ""
