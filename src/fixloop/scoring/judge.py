"""The judge metric: a model grades the output against the expected answer, with its reasons.

The judge is any `Model`, asked for structured output (`JudgeVerdict`'s JSON schema) at
temperature 0. A reply that is not such a verdict, or a model that fails, is a
`ScorerError`: a grade nobody gave is never invented. The reasoning is shown to the
answering model as feedback, so the judge is told not to quote the expected answer.
"""

from __future__ import annotations

from pydantic import BaseModel, Field, ValidationError

from fixloop.models.base import Message, Model, ModelError
from fixloop.scoring.errors import ScorerError

JUDGE_SYSTEM = """\
You grade answers. You get a task, a reference answer and a candidate answer. Grade how well \
the candidate does the task, using the reference as the standard and the criteria you are given.
Reply with a JSON object {"score": <number from 0 to 1>, "reasoning": "<why, and what to fix>"}.
The reasoning is shown to the candidate's author as feedback: say what is wrong or missing and \
how to fix it, without quoting the reference answer."""


class JudgeVerdict(BaseModel):
    """What the judge must return."""

    score: float = Field(ge=0.0, le=1.0, description="How well the answer does the task: 0 worst, 1 best.")
    reasoning: str = Field(min_length=1, description="Why this score, and what to fix.")


def judge_verdict(model: Model, *, task: str, output: str, expected: str, criteria: str) -> JudgeVerdict:
    """Ask `model` to grade `output` for `task` against `expected` by `criteria`.

    Raises ScorerError when the model fails or its reply is not a valid `JudgeVerdict`.
    """
    prompt = (
        f"Criteria: {criteria}\n\n<task>\n{task}\n</task>\n\n<reference>\n{expected}\n</reference>\n\n"
        f"<candidate>\n{output}\n</candidate>"
    )
    messages = [Message(role="system", content=JUDGE_SYSTEM), Message(role="user", content=prompt)]
    try:
        completion = model.complete(
            messages, schema=JudgeVerdict.model_json_schema(), temperature=0.0, max_tokens=512
        )
    except ModelError as exc:
        raise ScorerError("judge", f"the judge model {model.name} failed: {exc}") from exc
    if completion.parsed is None:
        raise ScorerError("judge", f"the judge's reply is not a JSON verdict: {_clip(completion.text)!r}")
    try:
        return JudgeVerdict.model_validate(completion.parsed)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ScorerError(
            "judge", f"the judge's verdict is invalid ({problems}): {_clip(completion.text)!r}"
        ) from None


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + "..."
