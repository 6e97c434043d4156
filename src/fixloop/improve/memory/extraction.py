"""Extraction: candidate memory cards from stored trajectories.

`TemplateExtractor` (offline, deterministic) turns each scored episode into one card:

- a resolved episode becomes an `episodic_case`: what worked, as the sequence of kinds of
  step it took (run the tests, read the failing test, read a module it imports, edit, run
  the tests, submit) — never a file name or a line, so a card cannot carry one task's fix
  to the same task when it is replayed there;
- a failed episode becomes a `failure_pattern` tied to its primary failure label: the
  mistake in general terms, the classifier's evidence for it (with any fix file the agent
  never opened left out), and the label's strategy.

Both are scoped to the task's tags and difficulty. `LLMExtractor` asks a model for the
lesson instead (structured output); a reply that does not parse, does not fit the schema or
names a fix file the agent never opened yields no card, and the reason is kept in
`errors`. `merge_or_add` folds a near-duplicate
(same kind and scope, normalised word overlap at or above `DUPLICATE_OVERLAP`) into the
existing card as one more supporting source instead of adding another card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from fixloop.analysis.failure_classifier import SEVERITY, Severity, classify
from fixloop.analysis.metrics import is_scored
from fixloop.core.trajectory import Trajectory
from fixloop.improve.memory.card import CardSource, MemoryCard, MemoryScope, card_id
from fixloop.improve.memory.retrieval import tokenize
from fixloop.improve.reflection import (
    clip,
    episode_report,
    hidden_fix_paths,
    names_any_file,
    specific_errors,
)
from fixloop.improve.reflection_templates import template_for
from fixloop.models.base import Message, Model, ModelError
from fixloop.scoring.spec import describe_validation_error
from fixloop.tasks.stats import is_test_file

DUPLICATE_OVERLAP = 0.8
"""Word-set overlap (Jaccard) at which two cards of the same kind and scope are one lesson."""

MAX_STEPS = 8
"""Steps an episodic case keeps (consecutive repeats are merged first)."""


class Extractor(Protocol):
    """Turns one stored episode into candidate cards. Never raises on a trajectory."""

    name: str

    def extract(self, trajectory: Trajectory, source: CardSource) -> list[MemoryCard]:
        """Candidate cards drawn from `trajectory`, each citing `source`."""
        ...


class TemplateExtractor:
    """The offline extractor (see the module docstring)."""

    name = "template"

    def extract(self, trajectory: Trajectory, source: CardSource) -> list[MemoryCard]:
        """One card per scored episode: an episodic case when resolved, else a failure pattern."""
        if not is_scored(trajectory) or not trajectory.steps:
            return []
        scope = _scope_of(trajectory)
        if trajectory.outcome == "resolved":
            steps = _step_kinds(trajectory)
            content = "A fix that worked: " + ", then ".join(steps) + "."
            return [
                MemoryCard(
                    id=card_id("episodic_case", content, scope), kind="episodic_case", scope=scope,
                    content=content, steps=tuple(steps), sources=(source,), trust=0.6,
                    creator=f"extractor:{self.name}",
                )
            ]  # fmt: skip
        diagnosis = classify(trajectory)
        label = diagnosis.primary
        if SEVERITY[label] in (Severity.external, Severity.ok):
            return []
        template = template_for(label)
        evidence = specific_errors(trajectory, diagnosis)
        content = f"{label.value}: {template.what_went_wrong}"
        return [
            MemoryCard(
                id=card_id("failure_pattern", content, scope), kind="failure_pattern", scope=scope,
                content=content, pattern=clip(evidence[0]) if evidence else "", strategy=template.strategy,
                sources=(source.model_copy(update={"label": label.value}),),
                creator=f"extractor:{self.name}", trust=0.5,
            )
        ]  # fmt: skip


_Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


class LessonReply(BaseModel):
    """What the extraction model must return for one episode."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["episodic_case", "skill_card", "failure_pattern"]
    content: _Line = Field(description="The lesson in a sentence or two, true for other tasks too.")
    pattern: str = Field(default="", max_length=400, description="When it applies.")
    strategy: str = Field(default="", max_length=400, description="What to do.")
    steps: list[_Line] = Field(default_factory=list, max_length=8, description="What worked, step by step.")


EXTRACTION_SYSTEM = """\
You write one short lesson for a coding agent's memory from one episode in which it tried to \
fix a bug in a repository. For a resolved episode write what worked (kind episodic_case or \
skill_card, with steps); for a failed one the mistake and how to avoid it (kind \
failure_pattern, with pattern and strategy). Write behaviour that holds for other tasks: no \
code, no file names, nothing about this repository.
Reply with one JSON object {"kind", "content", "pattern", "strategy", "steps"}."""


class LLMExtractor:
    """A model writes each episode's lesson; unusable replies are recorded in `errors`."""

    name = "llm"

    def __init__(self, model: Model, *, max_tokens: int = 600) -> None:
        self.model = model
        self.max_tokens = max_tokens
        self.errors: list[str] = []

    def extract(self, trajectory: Trajectory, source: CardSource) -> list[MemoryCard]:
        """The model's card for a scored episode, or none (with the reason in `errors`)."""
        if not is_scored(trajectory) or not trajectory.steps:
            return []
        where = f"{source.task_id}#{source.episode_index}"
        messages = [
            Message(role="system", content=EXTRACTION_SYSTEM),
            Message(role="user", content=episode_report(trajectory, classify(trajectory))),
        ]
        try:
            completion = self.model.complete(
                messages, schema=LessonReply.model_json_schema(), temperature=0.0, max_tokens=self.max_tokens
            )
        except ModelError as exc:
            self.errors.append(f"{where}: the extraction model {self.model.name} failed: {exc}")
            return []
        if completion.parsed is None:
            self.errors.append(f"{where}: the reply is not a JSON object")
            return []
        try:
            reply = LessonReply.model_validate(completion.parsed)
        except ValidationError as exc:
            self.errors.append(
                f"{where}: the reply does not fit the schema ({describe_validation_error(exc)})"
            )
            return []
        text = " ".join([reply.content, reply.pattern, reply.strategy, *reply.steps])
        if names_any_file(text, hidden_fix_paths(trajectory)):
            self.errors.append(f"{where}: the lesson names a file of the fix the agent never opened")
            return []
        scope = _scope_of(trajectory)
        return [
            MemoryCard(
                id=card_id(reply.kind, reply.content, scope), kind=reply.kind, scope=scope,
                content=reply.content, pattern=reply.pattern, strategy=reply.strategy,
                steps=tuple(reply.steps), sources=(source,), creator=f"extractor:{self.name}", trust=0.5,
            )
        ]  # fmt: skip


def merge_or_add(existing: Sequence[MemoryCard], card: MemoryCard) -> tuple[MemoryCard, bool]:
    """The card to store for `card`: an existing near-duplicate with `card`'s sources added
    (and False), or `card` itself (and True) when none is close enough."""
    words = _words(card.text())
    for other in existing:
        if other.kind != card.kind or other.scope != card.scope:
            continue
        theirs = _words(other.text())
        union = words | theirs
        if union and len(words & theirs) / len(union) >= DUPLICATE_OVERLAP:
            sources = tuple(dict.fromkeys(other.sources + card.sources))
            return other.model_copy(update={"sources": sources}), False
    return card, True


def _scope_of(trajectory: Trajectory) -> MemoryScope:
    facts = trajectory.task_facts
    if facts is None:
        return MemoryScope(agent_roles=(trajectory.agent,))
    return MemoryScope(
        agent_roles=(trajectory.agent,), task_tags=tuple(sorted(facts.tags)), difficulties=(facts.difficulty,)
    )


def _step_kinds(trajectory: Trajectory) -> list[str]:
    """What each step did, in general terms, consecutive repeats merged."""
    relevant = set(trajectory.task_facts.relevant_files) if trajectory.task_facts else set()
    kinds: list[str] = []
    for step in trajectory.steps:
        if step.error or step.action is None:
            continue
        kind = _describe(step.action, relevant)
        if not kinds or kinds[-1] != kind:
            kinds.append(kind)
    return kinds[:MAX_STEPS]


def _describe(action: dict[str, object], relevant: set[str]) -> str:
    action_type = str(action.get("action_type", ""))
    path = str(action.get("path", ""))
    if action_type in ("read_file", "view_code"):
        if is_test_file(path):
            return "read the failing test"
        return "read a module the test imports" if path in relevant else "read another module"
    return {
        "run_tests": "run the tests",
        "search_code": "search the code",
        "replace_lines": "edit the buggy lines",
        "write_file": "rewrite a file",
        "undo_edit": "undo an edit that did not help",
        "reset": "reset the workspace",
        "submit": "submit",
    }.get(action_type, action_type.replace("_", " "))


def _words(text: str) -> set[str]:
    return set(tokenize(text))
