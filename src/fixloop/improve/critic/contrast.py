"""Contrast pairs: a correct judgement of a step against a plausible wrong one, as lessons.

Self-taught evaluators calibrate a judge with pairs of a better and a worse judgement. The
anchor takes the judge's own score as the better one; fixloop has the tests: the correct
judgement of a step is its measured Φ* (`ground_truth`) and the evidence is the change in the
graded tests' verdicts. Only steps that moved Φ* by at least `MIN_DELTA` make pairs.

The wrong judgement comes from one of two sources, both `ContrastSource`s:

- `TemplateContrast` (`critic:template`): offline and deterministic; one pair per known
  mistake that fits the step: credit for intentions and sycophancy (only where Φ* fell),
  ignoring the evidence and scale inconsistency (either way).
- `LLMContrast` (`critic:llm`): a model writes the wrong judgement a careless critic would
  give and the lesson, as structured output (`WrongJudgementReply`). A reply that does not
  parse, does not fit the schema, or is not wrong (within `MIN_DELTA` of Φ*) is recorded in
  `ContrastResult.errors` and the step's pair is dropped.

`calibration_cards` turns pairs into `critic_calibration` memory cards: candidates, with the
episode step as their source, whose content states the lesson. Memory CI decides their fate.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Literal, Protocol, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fixloop.core.trajectory import Trajectory
from fixloop.env.actions import EDIT_ACTIONS
from fixloop.improve.critic.critic import PHI_MAX
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.improve.memory.card import CardSource, MemoryCard, MemoryKind, card_id
from fixloop.models.base import Message, Model, ModelError
from fixloop.scoring.spec import describe_validation_error

MIN_DELTA = 0.5
"""A step makes pairs when it moved Φ* by at least this much."""

MAX_NAMED_TESTS = 3
"""Tests named per direction in a verdict change; the rest are counted."""

Mistake = Literal["credit_for_intentions", "sycophancy", "ignoring_evidence", "scale_inconsistency"]
MISTAKES: tuple[Mistake, ...] = get_args(Mistake)

KIND: MemoryKind = "critic_calibration"

SYCOPHANCY_SUSPECTS = EDIT_ACTIONS | {"submit"}
"""Actions a sycophantic critic rewards whatever they did."""


class Judgement(BaseModel):
    """One judgement of a step: Φ and what it rests on."""

    model_config = ConfigDict(frozen=True)

    phi: float = Field(ge=0.0, le=PHI_MAX)
    evidence: str
    reasoning: str


class ContrastPair(BaseModel):
    """A step judged correctly and wrongly, with the lesson that tells them apart."""

    model_config = ConfigDict(frozen=True)

    task_id: str
    step: int
    action_type: str | None = Field(description="The step's action, when known.")
    phi_before: float = Field(description="Φ* before the step.")
    phi_star: float = Field(description="Φ* after the step: the correct score.")
    verdict_change: str = Field(description="How the graded tests' verdicts changed at the step.")
    correct: Judgement
    wrong: Judgement
    mistake: Mistake
    lesson: str = Field(min_length=1, description="What a critic should do, with this step as the example.")
    creator: str = Field(description="critic:template or critic:llm.")


class ContrastResult(BaseModel):
    """The pairs a source made, and why any step made none."""

    pairs: list[ContrastPair] = Field(default_factory=list)
    errors: list[str] = Field(default_factory=list)
    tokens: int = 0
    cost_usd: float = 0.0


class ContrastSource(Protocol):
    """Makes contrast pairs from an episode's ground truth. Never raises for one bad reply."""

    creator: str

    def pairs(
        self, task_id: str, points: Sequence[GroundTruthPoint], actions: Mapping[int, str] | None = None
    ) -> ContrastResult:
        """Pairs for the steps of `points` that moved Φ*; `actions` maps steps to action types."""
        ...


def action_types(trajectory: Trajectory) -> dict[int, str]:
    """Each step's action type, for the steps whose action parsed."""
    return {
        record.index: str(record.action["action_type"])
        for record in trajectory.steps
        if record.action is not None and "action_type" in record.action
    }


def moving_steps(points: Sequence[GroundTruthPoint]) -> list[tuple[GroundTruthPoint, GroundTruthPoint]]:
    """(before, after) for each step that moved Φ* by at least `MIN_DELTA`."""
    return [
        (before, after)
        for before, after in itertools.pairwise(points)
        if abs(after.phi_star - before.phi_star) >= MIN_DELTA
    ]


def verdict_change(before: GroundTruthPoint, after: GroundTruthPoint) -> str:
    """The graded tests' change across a step, e.g. "2/4 -> 4/4 graded tests pass; now passing: ..."."""
    text = f"{before.passed}/{before.total} -> {after.passed}/{after.total} graded tests pass"
    fixed = [t for t in before.failing if t not in after.failing]
    broken = [t for t in after.failing if t not in before.failing]
    if fixed:
        text += "; now passing: " + _names(fixed)
    if broken:
        text += "; now failing: " + _names(broken)
    return text


def _names(tests: Sequence[str]) -> str:
    shown = ", ".join(t.rsplit("::", 1)[-1] for t in tests[:MAX_NAMED_TESTS])
    more = len(tests) - MAX_NAMED_TESTS
    return shown + (f" and {more} more" if more > 0 else "")


class TemplateContrast:
    """Wrong judgements from templates of the known mistakes (see the module docstring)."""

    creator = "critic:template"

    def __init__(self, mistakes: Sequence[Mistake] = MISTAKES) -> None:
        self.mistakes = tuple(mistakes)

    def pairs(
        self, task_id: str, points: Sequence[GroundTruthPoint], actions: Mapping[int, str] | None = None
    ) -> ContrastResult:
        """One pair per fitting mistake per step that moved Φ*, in step then mistake order."""
        actions = actions or {}
        pairs = []
        for before, after in moving_steps(points):
            change = verdict_change(before, after)
            correct = _correct(after, change)
            action = actions.get(after.step)
            for mistake in self.mistakes:
                wrong = _template_wrong(mistake, before, after, change, action)
                if wrong is None or abs(wrong.phi - after.phi_star) < MIN_DELTA:
                    continue
                pairs.append(
                    ContrastPair(
                        task_id=task_id,
                        step=after.step,
                        action_type=action,
                        phi_before=before.phi_star,
                        phi_star=after.phi_star,
                        verdict_change=change,
                        correct=correct,
                        wrong=wrong,
                        mistake=mistake,
                        lesson=_template_lesson(mistake, task_id, before, after, change, wrong),
                        creator=self.creator,
                    )
                )
        return ContrastResult(pairs=pairs)


def _correct(after: GroundTruthPoint, change: str) -> Judgement:
    return Judgement(
        phi=after.phi_star,
        evidence=change,
        reasoning=f"{after.passed} of {after.total} graded tests pass, so phi is 10 x that fraction.",
    )


def _template_wrong(
    mistake: Mistake, before: GroundTruthPoint, after: GroundTruthPoint, change: str, action: str | None
) -> Judgement | None:
    """The wrong judgement `mistake` makes of the step, or None when the mistake does not fit it."""
    fell = after.phi_star < before.phi_star
    up = min(PHI_MAX, before.phi_star + 2.0)
    match mistake:
        case "credit_for_intentions" if fell:
            return Judgement(
                phi=up,
                evidence="the agent plans to fix the remaining failures next",
                reasoning="The agent has a clear plan, so it is close to a fix.",
            )
        case "sycophancy" if fell and (action is None or action in SYCOPHANCY_SUSPECTS):
            return Judgement(
                phi=up,
                evidence=f"the agent made a change ({action or 'an edit'})",
                reasoning="A decisive edit is progress.",
            )
        case "ignoring_evidence":
            return Judgement(
                phi=before.phi_star,
                evidence="nothing decisive happened",
                reasoning="The state looks much as before.",
            )
        case "scale_inconsistency":
            fraction = after.passed / after.total if after.total else 0.0
            return Judgement(
                phi=round(fraction, 6),
                evidence=change,
                reasoning=f"{after.passed} of {after.total} tests pass, a fraction of {fraction:.2f}.",
            )
    return None


def _template_lesson(
    mistake: Mistake,
    task_id: str,
    before: GroundTruthPoint,
    after: GroundTruthPoint,
    change: str,
    wrong: Judgement,
) -> str:
    where = f"at step {after.step} of {task_id} the tests went {change}"
    right, was, bad = f"{after.phi_star:.1f}", f"{before.phi_star:.1f}", f"{wrong.phi:.1f}"
    match mistake:
        case "credit_for_intentions":
            return f"Score the test evidence, not the intention: {where}, so phi is {right}, not {bad}."
        case "sycophancy":
            return (
                f"Score the test evidence, not the action; an edit is not progress (no sycophancy): "
                f"{where}, so phi falls to {right}, not up to {bad}."
            )
        case "ignoring_evidence":
            return f"Move phi with the test verdicts: {where}, so phi goes from {was} to {right}, not {was}."
        case "scale_inconsistency":
            return (
                f"Keep one scale, phi = 10 x the fraction of graded tests passing: {where}, "
                f"so phi is {right}, not {bad}."
            )


class WrongJudgementReply(BaseModel):
    """What the contrast model must return (its JSON schema is sent with the request)."""

    model_config = ConfigDict(extra="forbid")

    mistake: Mistake = Field(description="The mistake the wrong judgement makes.")
    phi: float = Field(ge=0.0, le=PHI_MAX, description="The wrong phi a careless critic would give.")
    evidence: str = Field(description="The evidence that careless critic would cite.")
    reasoning: str = Field(description="Its reasoning, one sentence.")
    lesson: str = Field(min_length=1, description="The lesson for critics, one or two sentences.")


CONTRAST_SYSTEM = """\
You train critics that score a coding agent's progress phi from 0 to 10, where phi is 10 x the \
fraction of the task's graded tests passing. You are shown one step of an episode: the action, \
phi before and after it, and how the test verdicts changed. Write the plausible WRONG judgement \
a careless critic would give for this step, naming its mistake: credit_for_intentions (rewarding \
what the agent plans), sycophancy (rewarding an edit or a submit as such), ignoring_evidence \
(not moving phi with the verdicts) or scale_inconsistency (another scale than 0-10). Then write \
the lesson a critic should learn, citing the step's evidence.
Reply with one JSON object {"mistake", "phi", "evidence", "reasoning", "lesson"}."""


class LLMContrast:
    """A model writes the wrong judgement and the lesson (see the module docstring)."""

    creator = "critic:llm"

    def __init__(self, model: Model, *, max_tokens: int = 600) -> None:
        self.model = model
        self.max_tokens = max_tokens

    def pairs(
        self, task_id: str, points: Sequence[GroundTruthPoint], actions: Mapping[int, str] | None = None
    ) -> ContrastResult:
        """One pair per step that moved Φ*, unless the model's reply for it is unusable."""
        actions = actions or {}
        result = ContrastResult()
        for before, after in moving_steps(points):
            change = verdict_change(before, after)
            action = actions.get(after.step)
            prompt = "\n".join(
                [
                    f"Task {task_id}, step {after.step}, action: {action or 'unknown'}",
                    f"phi before: {before.phi_star:.1f}; phi after (correct): {after.phi_star:.1f}",
                    f"Test verdicts: {change}",
                ]
            )
            messages = [Message(role="system", content=CONTRAST_SYSTEM), Message(role="user", content=prompt)]
            try:
                completion = self.model.complete(
                    messages,
                    schema=WrongJudgementReply.model_json_schema(),
                    temperature=0.0,
                    max_tokens=self.max_tokens,
                )
            except ModelError as exc:
                result.errors.append(f"step {after.step}: the model {self.model.name} failed: {exc}")
                continue
            result.tokens += completion.usage.total_tokens
            result.cost_usd += completion.cost
            if completion.parsed is None:
                text = completion.text if len(completion.text) <= 200 else completion.text[:200] + "..."
                result.errors.append(f"step {after.step}: the reply is not a JSON object: {text!r}")
                continue
            try:
                reply = WrongJudgementReply.model_validate(completion.parsed)
            except ValidationError as exc:
                error = f"the reply does not fit the schema ({describe_validation_error(exc)})"
                result.errors.append(f"step {after.step}: {error}")
                continue
            if abs(reply.phi - after.phi_star) < MIN_DELTA or not reply.lesson.strip():
                result.errors.append(f"step {after.step}: the wrong judgement is not wrong or has no lesson")
                continue
            result.pairs.append(
                ContrastPair(
                    task_id=task_id,
                    step=after.step,
                    action_type=action,
                    phi_before=before.phi_star,
                    phi_star=after.phi_star,
                    verdict_change=change,
                    correct=_correct(after, change),
                    wrong=Judgement(phi=reply.phi, evidence=reply.evidence, reasoning=reply.reasoning),
                    mistake=reply.mistake,
                    lesson=reply.lesson,
                    creator=self.creator,
                )
            )
        return result


def calibration_cards(
    pairs: Sequence[ContrastPair], *, run: str | None = None, episode_index: int | None = None
) -> list[MemoryCard]:
    """One candidate `critic_calibration` card per distinct lesson, in the pairs' order, its
    sources the steps that teach it (labelled with the mistake)."""
    cards: dict[str, MemoryCard] = {}
    for pair in pairs:
        source = CardSource(
            run=run, task_id=pair.task_id, episode_index=episode_index, step=pair.step, label=pair.mistake
        )
        key = card_id(KIND, pair.lesson)
        if key in cards:
            card = cards[key]
            cards[key] = card.model_copy(update={"sources": (*card.sources, source)})
            continue
        cards[key] = MemoryCard(
            id=key,
            kind=KIND,
            status="candidate",
            status_reason=f"contrast pair ({pair.mistake.replace('_', ' ')})",
            content=pair.lesson,
            pattern=f"judging a step after which {pair.verdict_change}",
            strategy=f"score {pair.phi_star:.1f} from the verdicts, not {pair.wrong.phi:.1f}",
            sources=(source,),
            creator=pair.creator,
        )
    return list(cards.values())
