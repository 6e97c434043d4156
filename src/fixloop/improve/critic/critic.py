"""The `Critic`: scores how far a state is from solved, Φ on 0-10, for one state transition.

A critic reads the task, a short view of the state before an action, the action, and a short
view of the state after it, and answers with a `CriticScore`: Φ of the state after, the
reasoning, the evidence it rests on, and its confidence. Its scores are checked against the
ground truth Φ* (10 x the fraction of the task's graded tests passing, see `ground_truth`),
never against its own earlier scores.

`LLMCritic` asks any `Model` for a reply in `CriticReply`'s JSON schema at temperature 0.
The prompt forbids credit for intentions ("the agent plans to ...") and for encouragement.
Two safeguards act on the change ΔΦ = reply Φ - previous Φ (the critic's score of the state
before, passed as `previous`):

- evidence shorter than `MIN_EVIDENCE_CHARS` counts as no evidence: Φ stays at `previous`;
- confidence below `LOW_CONFIDENCE` halves the change.

The action is shown without the agent's `thought`: a plan is not evidence.

A reply that is not a JSON object or does not fit the schema never raises: the score keeps
`previous` (0 when there is none) with confidence 0 and the reason in `error`.
"""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fixloop.core.step_summary import PassSummary
from fixloop.models.base import Message, Model, ModelError
from fixloop.scoring.spec import describe_validation_error
from fixloop.tasks.task import Task

PHI_MAX = 10.0
"""Φ runs from 0 (nothing of the task works) to 10 (every graded test passes)."""

MIN_EVIDENCE_CHARS = 10
"""Evidence shorter than this is no evidence: the score does not move."""

LOW_CONFIDENCE = 0.3
"""Below this confidence the change in Φ is halved."""

MAX_STATE_DIFF_CHARS = 2_000
"""A state view keeps this much of the diff of the files changed so far."""

MAX_STATE_OBSERVATION_CHARS = 1_000
"""A state view keeps this much of the step's observation text."""


class CriticScore(BaseModel):
    """A critic's judgement of one state: Φ and what it rests on."""

    model_config = ConfigDict(frozen=True)

    phi: float = Field(ge=0.0, le=PHI_MAX, description="How far from solved: 0 nothing works, 10 solved.")
    reasoning: str = Field(default="", description="Why, in a sentence or two.")
    evidence: str = Field(default="", description="What in the state shows it (test verdicts, the diff).")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure the critic is.")
    raw_phi: float | None = Field(
        default=None, description="The Φ the critic replied, before the safeguards; None when none."
    )
    adjustment: str | None = Field(default=None, description="Which safeguard changed Φ, if one did.")
    error: str | None = Field(default=None, description="Why the reply was unusable, if it was.")
    tokens: int = Field(default=0, ge=0, description="Model tokens the judgement cost.")
    cost_usd: float = Field(default=0.0, ge=0.0, description="What the judgement cost, in USD.")


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 20] + "\n... (truncated)"


class StateView(BaseModel):
    """A short textual summary of the repository at one point of an episode.

    `phi_star` is the ground truth; only simulated critics read it, and `text()` (what a model
    critic is shown) leaves it out.
    """

    model_config = ConfigDict(frozen=True)

    step: int = Field(default=0, ge=0, description="The step after which this is the state; 0: the start.")
    diff: str = Field(default="", description="The files changed so far, as a bounded unified diff.")
    tests: PassSummary | None = Field(default=None, description="The last test run's verdicts, if any.")
    observation: str = Field(default="", description="The step's observation text, truncated.")
    phi_star: float | None = Field(
        default=None, ge=0.0, le=PHI_MAX, description="Ground truth Φ*, for simulated critics only."
    )

    @field_validator("diff")
    @classmethod
    def _bounded_diff(cls, value: str) -> str:
        return _clip(value, MAX_STATE_DIFF_CHARS)

    @field_validator("observation")
    @classmethod
    def _bounded_observation(cls, value: str) -> str:
        return _clip(value, MAX_STATE_OBSERVATION_CHARS)

    def text(self) -> str:
        """The view as a critic model reads it (without the ground truth)."""
        if self.tests is None:
            verdicts = "no test run yet"
        else:
            verdicts = f"{self.tests.passed}/{self.tests.total} passed"
            if self.tests.failing:
                verdicts += "; failing: " + ", ".join(self.tests.failing)
            if self.tests.timed_out:
                verdicts += " (the run timed out)"
        return "\n".join(
            [
                f"Step {self.step}.",
                "Files changed so far:",
                self.diff or "(none)",
                f"Last test run: {verdicts}",
                "Observation:",
                self.observation or "(none)",
            ]
        )


class Critic(Protocol):
    """Scores Φ of the state after one action. Never raises for one bad reply: the error is in
    the returned score."""

    name: str
    simulated: bool

    def score(
        self,
        task: Task,
        before: StateView,
        action: dict[str, Any] | None,
        after: StateView,
        *,
        previous: float | None = None,
    ) -> CriticScore:
        """Φ of `after`; `previous` is the critic's own Φ of `before`, None when it has none."""
        ...


class CriticReply(BaseModel):
    """What the critic model must return (its JSON schema is sent with the request)."""

    model_config = ConfigDict(extra="forbid")

    phi: float = Field(ge=0.0, le=PHI_MAX, description="0 nothing works ... 10 every graded test passes.")
    reasoning: str = Field(description="Why, in one or two sentences.")
    evidence: str = Field(description="The observed facts (test verdicts, diff lines) the score rests on.")
    confidence: float = Field(ge=0.0, le=1.0, description="How sure you are, 0 to 1.")


CRITIC_SYSTEM = """\
You judge how far a coding agent is from fixing a bug. Score the repository state after the \
agent's action with phi from 0 (nothing of the task works) to 10 (every test of the task passes).
Score only what is observed: test verdicts and the code as changed. Give no credit for \
intentions or plans ("the agent plans to ...", "the next step will ..."), for effort, or for \
an edit as such: an edit the tests have not confirmed is not progress. Do not encourage. \
When the tests got worse, phi goes down.
Reply with one JSON object {"phi": number, "reasoning": text, "evidence": text, \
"confidence": number}; evidence quotes what you observed (verdicts, diff lines)."""


class LLMCritic:
    """A model critic with the safeguards of the module docstring."""

    simulated = False

    def __init__(self, model: Model, *, calibration: str = "", max_tokens: int = 600) -> None:
        self.model = model
        self.calibration = calibration
        self.max_tokens = max_tokens
        self.name = f"llm-critic:{model.name}"

    def score(
        self,
        task: Task,
        before: StateView,
        action: dict[str, Any] | None,
        after: StateView,
        *,
        previous: float | None = None,
    ) -> CriticScore:
        """The model's Φ of `after`, after the safeguards; an error score when the reply is unusable."""
        system = CRITIC_SYSTEM
        if self.calibration.strip():
            system += "\n\n# Calibration lessons\n" + self.calibration.strip()
        messages = [
            Message(role="system", content=system),
            Message(role="user", content=critic_prompt(task, before, action, after)),
        ]
        try:
            completion = self.model.complete(
                messages, schema=CriticReply.model_json_schema(), temperature=0.0, max_tokens=self.max_tokens
            )
        except ModelError as exc:
            return _failed(previous, f"the critic model {self.model.name} failed: {exc}")
        tokens, cost = completion.usage.total_tokens, completion.cost
        if completion.parsed is None:
            text = _clip(completion.text, 200)
            return _failed(
                previous, f"the reply is not a JSON object: {text!r}", tokens=tokens, cost_usd=cost
            )
        try:
            reply = CriticReply.model_validate(completion.parsed)
        except ValidationError as exc:
            error = f"the reply does not fit the schema ({describe_validation_error(exc)})"
            return _failed(previous, error, tokens=tokens, cost_usd=cost)
        phi, adjustment = safeguarded(reply.phi, reply.evidence, reply.confidence, previous)
        return CriticScore(
            phi=phi,
            reasoning=reply.reasoning,
            evidence=reply.evidence,
            confidence=reply.confidence,
            raw_phi=reply.phi,
            adjustment=adjustment,
            tokens=tokens,
            cost_usd=cost,
        )


def safeguarded(
    phi: float, evidence: str, confidence: float, previous: float | None
) -> tuple[float, str | None]:
    """Φ after the safeguards, and which one acted (None: none did). See the module docstring."""
    if previous is None:
        return phi, None
    if len(evidence.strip()) < MIN_EVIDENCE_CHARS:
        return previous, "no evidence: no change"
    if confidence < LOW_CONFIDENCE:
        return previous + (phi - previous) / 2, "low confidence: change halved"
    return phi, None


def critic_prompt(task: Task, before: StateView, action: dict[str, Any] | None, after: StateView) -> str:
    """What the critic model reads: the task, the state before, the action, the state after."""
    shown = {k: v for k, v in (action or {}).items() if k != "thought"}
    return "\n".join(
        [
            f"# Task {task.id}",
            task.description,
            f"Graded tests: {len(task.graded_tests)}",
            "",
            "# Before",
            before.text(),
            "",
            "# Action",
            repr(shown) if action is not None else "(the agent's reply did not parse as an action)",
            "",
            "# After",
            after.text(),
        ]
    )


def _failed(previous: float | None, error: str, *, tokens: int = 0, cost_usd: float = 0.0) -> CriticScore:
    return CriticScore(
        phi=previous if previous is not None else 0.0,
        confidence=0.0,
        error=error,
        tokens=tokens,
        cost_usd=cost_usd,
    )
