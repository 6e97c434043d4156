"""Reflectors: turn an episode and its diagnosis into an `ImprovementPlan` for the next attempt.

Two reflectors implement `Reflector`:

- `TemplateReflector` (`template`): offline and deterministic. The advice comes from the
  diagnosis's primary label (`reflection_templates`), with the rules of its other labels
  added to the system addon.
- `LLMReflector` (`llm`): a reflection model reads a compact report of the episode and its
  diagnosis and writes the judgement (what went wrong, the strategy, the plan, the system
  addon) as structured output. When the call raises a `ModelError`, or the reply is not a
  valid plan, the template writes the plan instead and `fallback_reason` says why.

Both take the facts from the trajectory itself: the specific errors are the classifier's
evidence and the steps that failed, and the user addon is built from the recorded steps.

Neither lets the reference fix through. The trajectory holds only the fix's file names, but
the classifier's WRONG_FILE_NAVIGATION evidence names them ("never read the file(s) of the
fix: ..."): evidence naming a fix file the agent never opened is left out of the plan and of
what the reflection model reads, and a model reply that names one anyway is refused.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fixloop.analysis.failure_classifier import SEVERITY, Diagnosis, FailureLabel
from fixloop.core.trajectory import Trajectory
from fixloop.improve.improvement_plan import (
    SUMMARY_STEPS,
    EpisodeRef,
    ImprovementPlan,
    describe_step,
    render_user_addon,
)
from fixloop.improve.reflection_templates import TEMPLATES, template_for
from fixloop.models.base import Message, Model, ModelError

MAX_STEP_ERRORS = 8
"""Steps with an error listed among a plan's specific errors; the rest are counted."""

MAX_ADDON_ERRORS = 6
"""Specific errors repeated in the template's system addon."""

MAX_REPORT_STEPS = 40
"""Steps the reflection model sees, one line each; the rest are counted."""

MAX_REPORT_TEST_OUTPUT = 1_500
"""Characters of the last test output the reflection model sees."""


class Reflector(Protocol):
    """Makes an improvement plan from one episode and its diagnosis. `name` is the plan's
    `reflector`. Individual failures never raise: a reflector that cannot do its job falls
    back to the template and says so in the plan."""

    name: str

    def reflect(
        self, trajectory: Trajectory, diagnosis: Diagnosis, *, episode: EpisodeRef | None = None
    ) -> ImprovementPlan:
        """The plan for the next attempt at `trajectory`'s task. `episode` names the episode
        (default: its task only). Raises ValueError when `diagnosis` or `episode` is of
        another task."""
        ...


class TemplateReflector:
    """The offline, deterministic reflector: the same episode always gets the same plan."""

    name = "template"

    def __init__(self, *, summary_steps: int = SUMMARY_STEPS) -> None:
        self.summary_steps = summary_steps

    def reflect(
        self, trajectory: Trajectory, diagnosis: Diagnosis, *, episode: EpisodeRef | None = None
    ) -> ImprovementPlan:
        """The plan the primary label's template gives (see `Reflector.reflect`)."""
        episode = _episode_of(trajectory, diagnosis, episode)
        errors = specific_errors(trajectory, diagnosis)
        template = template_for(diagnosis.primary)
        rules = list(
            dict.fromkeys([template.rule, *(TEMPLATES[label].rule for label in _other_labels(diagnosis))])
        )
        what = (
            f"The previous attempt ended {trajectory.outcome} with score {trajectory.score:.2f}; "
            f"the main failure was {diagnosis.primary.value}. {template.what_went_wrong}"
        )
        sections = [what]
        if errors:
            shown = "\n".join(f"- {error}" for error in errors[:MAX_ADDON_ERRORS])
            sections.append(f"Specific errors in that attempt:\n{shown}")
        sections.append("Rules for this attempt:\n" + "\n".join(f"- {rule}" for rule in rules))
        sections.append("Plan:\n" + "\n".join(f"{i}. {step}" for i, step in enumerate(template.plan, 1)))
        return ImprovementPlan(
            episode=episode,
            failure_label=diagnosis.primary,
            outcome=trajectory.outcome,
            original_score=trajectory.score,
            what_went_wrong=what,
            specific_errors=errors,
            improved_strategy=template.strategy,
            plan_steps=list(template.plan),
            system_prompt_addon="\n\n".join(sections),
            user_context_addon=render_user_addon(
                trajectory, diagnosis.primary, template.strategy, max_steps=self.summary_steps
            ),
            reflector="template",
        )


_Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class ReflectionReply(BaseModel):
    """What the reflection model must return (its JSON schema is sent with the request)."""

    model_config = ConfigDict(extra="forbid")

    what_went_wrong: _Text = Field(description="Why the attempt failed, in two or three sentences.")
    improved_strategy: _Text = Field(
        description="How the next attempt should work instead, in one or two sentences."
    )
    plan_steps: list[_Text] = Field(
        min_length=1, max_length=12, description="The next attempt, step by step, as short imperatives."
    )
    system_prompt_addon: _Text = Field(
        description="Instructions for the agent's next attempt, addressed to it as 'you'; no headings."
    )


REFLECTION_SYSTEM = """\
You review one attempt by a coding agent to fix a bug in a repository, and write an \
improvement plan for its next attempt at the same task. You get the episode's outcome, an \
automatic diagnosis with its evidence, and the agent's steps.
Reply with one JSON object with these fields:
- what_went_wrong: why the attempt failed, in two or three sentences;
- improved_strategy: how the next attempt should work instead, in one or two sentences;
- plan_steps: the next attempt, step by step, as a list of short imperatives;
- system_prompt_addon: instructions for the next attempt, addressed to the agent as "you", no headings.
Give behaviour to change, not the fix: do not write code, and do not name files the agent has \
not opened. The agent must find the bug itself."""


class LLMReflector:
    """A reflection model writes the plan; the template takes over when the model fails or
    its reply is not a valid plan (then `reflector` is "template" and `fallback_reason` says
    why). The model is asked at temperature 0 with `ReflectionReply`'s JSON schema."""

    name = "llm"

    def __init__(self, model: Model, *, summary_steps: int = SUMMARY_STEPS, max_tokens: int = 1_500) -> None:
        self.model = model
        self.summary_steps = summary_steps
        self.max_tokens = max_tokens
        self._template = TemplateReflector(summary_steps=summary_steps)

    def reflect(
        self, trajectory: Trajectory, diagnosis: Diagnosis, *, episode: EpisodeRef | None = None
    ) -> ImprovementPlan:
        """The reflection model's plan, or the template's with the reason (see `Reflector.reflect`)."""
        episode = _episode_of(trajectory, diagnosis, episode)
        reply = self._ask(trajectory, diagnosis)
        if isinstance(reply, str):
            plan = self._template.reflect(trajectory, diagnosis, episode=episode)
            return plan.model_copy(update={"fallback_reason": reply})
        return ImprovementPlan(
            episode=episode,
            failure_label=diagnosis.primary,
            outcome=trajectory.outcome,
            original_score=trajectory.score,
            what_went_wrong=reply.what_went_wrong,
            specific_errors=specific_errors(trajectory, diagnosis),
            improved_strategy=reply.improved_strategy,
            plan_steps=reply.plan_steps,
            system_prompt_addon=reply.system_prompt_addon,
            user_context_addon=render_user_addon(
                trajectory, diagnosis.primary, reply.improved_strategy, max_steps=self.summary_steps
            ),
            reflector="llm",
        )

    def _ask(self, trajectory: Trajectory, diagnosis: Diagnosis) -> ReflectionReply | str:
        """The model's reply, or why there is no usable one."""
        messages = [
            Message(role="system", content=REFLECTION_SYSTEM),
            Message(role="user", content=episode_report(trajectory, diagnosis)),
        ]
        try:
            completion = self.model.complete(
                messages,
                schema=ReflectionReply.model_json_schema(),
                temperature=0.0,
                max_tokens=self.max_tokens,
            )
        except ModelError as exc:
            return f"the reflection model {self.model.name} failed: {exc}"
        hidden = hidden_fix_paths(trajectory)
        if completion.parsed is None:
            quoted = "" if names_any_file(completion.text, hidden) else f": {clip(completion.text)!r}"
            return f"the reflection reply is not a JSON object{quoted}"
        try:
            reply = ReflectionReply.model_validate(completion.parsed)
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'reply'}: {e['msg']}" for e in exc.errors()
            )
            return f"the reflection reply is not a valid plan ({problems})"
        written = [
            reply.what_went_wrong,
            reply.improved_strategy,
            *reply.plan_steps,
            reply.system_prompt_addon,
        ]
        if any(names_any_file(text, hidden) for text in written):
            # The reason must not name the file either.
            return "the reflection reply names a file of the fix the agent never opened"
        return reply


def specific_errors(trajectory: Trajectory, diagnosis: Diagnosis) -> list[str]:
    """The concrete mistakes of an episode, one line each: the diagnosis's evidence (primary
    label first, as `step N: detail`), then the steps the environment reported an error for
    (at most `MAX_STEP_ERRORS`). Evidence naming a fix file the agent never opened is left out."""
    hidden = hidden_fix_paths(trajectory)
    lines: list[str] = []
    for finding in diagnosis.findings:
        if finding.label is FailureLabel.CORRECT:
            continue
        for evidence in finding.evidence:
            lines.append(
                evidence.detail if evidence.step is None else f"step {evidence.step}: {evidence.detail}"
            )
    failed = [step for step in trajectory.steps if step.error]
    lines += [describe_step(step) for step in failed[:MAX_STEP_ERRORS]]
    if len(failed) > MAX_STEP_ERRORS:
        lines.append(f"... {len(failed) - MAX_STEP_ERRORS} more steps with errors")
    return [line for line in dict.fromkeys(lines) if not names_any_file(line, hidden)]


def hidden_fix_paths(trajectory: Trajectory) -> list[str]:
    """The files of the reference fix that nothing the agent wrote or was shown names: no
    action, no path of a step, no error and no test output. Empty without `task_facts`."""
    facts = trajectory.task_facts
    if facts is None:
        return []
    seen = "\n".join(_seen_texts(trajectory))
    return [path for path in facts.fix_paths if not _mentions(seen, path, whole_path=True)]


def episode_report(trajectory: Trajectory, diagnosis: Diagnosis) -> str:
    """What the reflection model reads: the outcome, the diagnosis with its evidence, the
    steps (at most `MAX_REPORT_STEPS`) and the end of the last test output. It holds nothing
    about the task the agent was not shown."""
    primary = diagnosis.primary
    lines = [
        "# Episode",
        f"task: {trajectory.task_id}",
        f"outcome: {trajectory.outcome}, score {trajectory.score:.2f}, {len(trajectory.steps)} steps",
        "",
        "# Diagnosis",
        f"primary failure: {primary.value} ({SEVERITY[primary].value})",
        f"all labels: {', '.join(label.value for label in diagnosis.labels)}",
        "evidence:",
        *(f"- {error}" for error in specific_errors(trajectory, diagnosis)),
        f"standard advice for {primary.value}: {template_for(primary).strategy}",
        "",
        "# Steps",
        *(f"- {describe_step(step)}" for step in trajectory.steps[:MAX_REPORT_STEPS]),
    ]
    if len(trajectory.steps) > MAX_REPORT_STEPS:
        lines.append(f"- ... {len(trajectory.steps) - MAX_REPORT_STEPS} more steps")
    if not trajectory.steps:
        lines.append("(none)")
    output = next((s.summary.test_output for s in reversed(trajectory.steps) if s.summary.test_output), None)
    if output:
        lines += ["", "# Last test output", output[-MAX_REPORT_TEST_OUTPUT:]]
    return "\n".join(lines)


def _episode_of(trajectory: Trajectory, diagnosis: Diagnosis, episode: EpisodeRef | None) -> EpisodeRef:
    if diagnosis.task_id != trajectory.task_id:
        raise ValueError(
            f"the diagnosis is of task {diagnosis.task_id!r}, the trajectory of {trajectory.task_id!r}; "
            "classify the trajectory you reflect on"
        )
    if episode is None:
        return EpisodeRef(task_id=trajectory.task_id)
    if episode.task_id != trajectory.task_id:
        raise ValueError(f"episode {episode} is not of the trajectory's task {trajectory.task_id!r}")
    return episode


def _other_labels(diagnosis: Diagnosis) -> list[FailureLabel]:
    """The diagnosis's labels after the primary one that have their own template."""
    return [label for label in diagnosis.labels[1:] if label in TEMPLATES]


def _seen_texts(trajectory: Trajectory) -> list[str]:
    texts: list[str] = []
    for step in trajectory.steps:
        if step.action is not None:
            texts += _strings(step.action)
        summary = step.summary
        texts += [
            text
            for text in (step.raw_action, step.error, summary.path, summary.test_output, summary.syntax_error)
            if text
        ]
        if summary.tests is not None:
            texts += summary.tests.failing
    return texts


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def _mentions(text: str, path: str, *, whole_path: bool) -> bool:
    """Whether `text` names `path`: the whole path, or (not `whole_path`) its file name in any
    directory. `calc.py` is not named by `test_calc.py`, nor by `pkg/calc.py` when whole."""
    name = path if whole_path else path.rsplit("/", 1)[-1]
    before = r"[\w./-]" if whole_path else r"[\w.-]"
    return re.search(rf"(?<!{before}){re.escape(name)}(?!\w)", text) is not None


def names_any_file(text: str, paths: list[str]) -> bool:
    """Whether `text` names any of `paths` by its file name, in any directory."""
    return any(_mentions(text, path, whole_path=False) for path in paths)


def clip(text: str, limit: int = 200) -> str:
    """`text` cut to `limit` characters, with "..." when it was longer."""
    return text if len(text) <= limit else text[:limit] + "..."
