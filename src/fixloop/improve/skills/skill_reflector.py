"""Skill reflectors: read a minibatch of training episodes and propose edits to the skill.

Two reflectors implement `SkillReflector`:

- `TemplateSkillReflector` (`template`): offline and deterministic. Every failed episode's
  failure labels each propose their template's rule (`reflection_templates`), added to the
  label's section, with the classifier's evidence as the proposal's evidence. It writes
  from failures only; a rule the skill already has, or an edit rejected earlier in the
  epoch, is not proposed again.
- `LLMSkillReflector` (`llm`): a reflection model reads the skill (with rule ids), the edits
  the gate rejected earlier in the epoch with the score change they caused, and reports of
  the minibatch's failures and successes, and answers with edits as structured output
  (`SkillReflectionReply`'s JSON schema). A reply that does not parse or does not fit the
  schema is recorded in `Reflection.error` and the minibatch contributes nothing.

Neither lets the reference fix through: the episode reports leave out what the agent never
saw (`fixloop.improve.reflection.episode_report`), and a proposed rule naming a fix file an
episode's agent never opened is dropped with the reason recorded.

`merge_proposals` joins identical proposals from all minibatches and ranks them by how many
episodes support them; the trainer clips that list to the step's edit budget.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fixloop.analysis.failure_classifier import SEVERITY, FailureLabel, Severity, classify
from fixloop.analysis.metrics import is_scored
from fixloop.core.trajectory import Trajectory
from fixloop.improve.reflection import clip, episode_report, hidden_fix_paths, names_any_file, specific_errors
from fixloop.improve.reflection_templates import TEMPLATES
from fixloop.improve.skills.edits import (
    AddRule,
    DeleteRule,
    InsertAfter,
    ReplaceRule,
    SkillEdit,
    describe_edit,
)
from fixloop.improve.skills.skill import EpisodeCitation, Skill
from fixloop.models.base import Message, Model, ModelError
from fixloop.scoring.spec import describe_validation_error

MAX_EVIDENCE = 3
"""Evidence lines a proposal keeps per supporting episode."""

SECTION_OF: dict[FailureLabel, str] = {
    FailureLabel.WRONG_FILE_NAVIGATION: "Navigation",
    FailureLabel.LOOPING_BEHAVIOR: "Navigation",
    FailureLabel.CONTEXT_OVERFLOW: "Navigation",
    FailureLabel.BLIND_WRITE: "Editing",
    FailureLabel.HALLUCINATED_CODE: "Editing",
    FailureLabel.REGRESSION: "Editing",
    FailureLabel.SECURITY_VIOLATION: "Editing",
    FailureLabel.TAMPERING: "Editing",
    FailureLabel.NEVER_TESTED: "Testing and submitting",
    FailureLabel.PREMATURE_SUBMIT: "Testing and submitting",
    FailureLabel.STEP_LIMIT: "Testing and submitting",
    FailureLabel.FORMAT_ERRORS: "Reply format",
}
"""The skill section each failure label's rule goes to; labels not listed go to "General"."""


@dataclass(frozen=True)
class TrainingEpisode:
    """One stored training episode a reflector reads: where it is, and what happened."""

    citation: EpisodeCitation
    trajectory: Trajectory

    @property
    def failed(self) -> bool:
        """Scored and not resolved."""
        return is_scored(self.trajectory) and self.trajectory.outcome != "resolved"


class Proposal(BaseModel):
    """One proposed edit with the episodes that support it."""

    model_config = ConfigDict(frozen=True)

    edit: SkillEdit
    support: tuple[EpisodeCitation, ...] = Field(description="The episodes whose evidence produced it.")
    evidence: tuple[str, ...] = Field(default=(), description="What in those episodes calls for it.")
    rationale: str = Field(default="", description="Why the reflector proposes it.")


class RejectedProposal(BaseModel):
    """An edit the gate rejected earlier in the epoch, and what it did to the selection score."""

    model_config = ConfigDict(frozen=True)

    edit: SkillEdit
    score_change: float | None = Field(
        description="Candidate minus incumbent resolve rate; None: not measured."
    )
    reason: str


class Reflection(BaseModel):
    """What one reflection call produced: proposals, or the error that made it produce none."""

    proposals: list[Proposal] = Field(default_factory=list)
    error: str | None = Field(default=None, description="Why the minibatch contributed nothing or less.")
    tokens: int = 0
    cost_usd: float = 0.0


class SkillReflector(Protocol):
    """Proposes skill edits from a minibatch of episodes. Never raises for one bad reply:
    errors are recorded in the `Reflection`."""

    name: str

    def propose(
        self, skill: Skill, episodes: Sequence[TrainingEpisode], *, rejected: Sequence[RejectedProposal]
    ) -> Reflection:
        """Edits to `skill` that would have helped `episodes`, avoiding `rejected` ones."""
        ...


class TemplateSkillReflector:
    """The offline, deterministic reflector: each failure label proposes its template's rule."""

    name = "template"

    def propose(
        self, skill: Skill, episodes: Sequence[TrainingEpisode], *, rejected: Sequence[RejectedProposal]
    ) -> Reflection:
        """One proposal per failure label seen in the failed episodes (see the module docstring)."""
        have = {_normal(rule.text) for _, rule in skill.rules()}
        refused = {_edit_key(r.edit) for r in rejected}
        proposals: list[Proposal] = []
        for episode in episodes:
            if not episode.failed:
                continue
            diagnosis = classify(episode.trajectory)
            errors = specific_errors(episode.trajectory, diagnosis)[:MAX_EVIDENCE]
            for label in diagnosis.labels:
                if label not in TEMPLATES or SEVERITY[label] in (Severity.external, Severity.ok):
                    continue
                edit = AddRule(section=SECTION_OF.get(label, "General"), text=TEMPLATES[label].rule)
                if _normal(edit.text) in have or _edit_key(edit) in refused:
                    continue
                evidence = tuple(f"{episode.citation.task_id}: {line}" for line in errors)
                proposals.append(
                    Proposal(edit=edit, support=(episode.citation,), evidence=evidence, rationale=label.value)
                )
        return Reflection(proposals=merge_proposals(proposals))


class EditReply(BaseModel):
    """One edit as the reflection model writes it."""

    model_config = ConfigDict(extra="forbid")

    op: Literal["add", "insert_after", "replace", "delete"]
    section: str | None = Field(default=None, description="For add: the section's title.")
    rule_id: str | None = Field(default=None, description="For insert_after, replace, delete: the rule's id.")
    text: str | None = Field(default=None, description="For add, insert_after, replace: the rule, one line.")
    episodes: list[int] = Field(
        default_factory=list, description="Numbers of the episodes (as listed) that call for it."
    )
    rationale: str = Field(default="", description="Why, in one sentence.")


_Edits = Annotated[list[EditReply], Field(max_length=12)]


class SkillReflectionReply(BaseModel):
    """What the reflection model must return (its JSON schema is sent with the request)."""

    model_config = ConfigDict(extra="forbid")

    edits: _Edits = Field(description="Edits to the skill; an empty list when it needs none.")


SKILL_REFLECTION_SYSTEM = """\
You improve a skill document: rules a coding agent follows when it fixes bugs in a repository \
(navigate, edit, test, submit). You get the current skill with each rule's id, edits that were \
tried earlier and rejected because they did not improve a held-out score, and reports of \
episodes the agent just played with this skill, failures and successes.
Reply with one JSON object {"edits": [...]}; each edit is one of
- {"op": "add", "section": TITLE, "text": RULE}
- {"op": "insert_after", "rule_id": ID, "text": RULE}
- {"op": "replace", "rule_id": ID, "text": RULE}
- {"op": "delete", "rule_id": ID}
and may carry "episodes" (the numbers of the episodes that call for it) and "rationale".
Rules are general behaviour, one line each, true for any task: never code, never a file name, \
never a fact about one repository. Propose few edits, the most useful first; do not repeat a \
rejected edit; never touch the "Slow update" section."""


class LLMSkillReflector:
    """A reflection model proposes the edits (see the module docstring)."""

    name = "llm"

    def __init__(self, model: Model, *, max_tokens: int = 1_500) -> None:
        self.model = model
        self.max_tokens = max_tokens

    def propose(
        self, skill: Skill, episodes: Sequence[TrainingEpisode], *, rejected: Sequence[RejectedProposal]
    ) -> Reflection:
        """The model's proposals; an error instead when its reply is unusable."""
        messages = [
            Message(role="system", content=SKILL_REFLECTION_SYSTEM),
            Message(role="user", content=reflection_prompt(skill, episodes, rejected)),
        ]
        try:
            completion = self.model.complete(
                messages,
                schema=SkillReflectionReply.model_json_schema(),
                temperature=0.0,
                max_tokens=self.max_tokens,
            )
        except ModelError as exc:
            return Reflection(error=f"the reflection model {self.model.name} failed: {exc}")
        tokens, cost = completion.usage.total_tokens, completion.cost
        if completion.parsed is None:
            error = f"the reply is not a JSON object: {clip(completion.text)!r}"
            return Reflection(error=error, tokens=tokens, cost_usd=cost)
        try:
            reply = SkillReflectionReply.model_validate(completion.parsed)
        except ValidationError as exc:
            error = f"the reply does not fit the schema ({describe_validation_error(exc)})"
            return Reflection(error=error, tokens=tokens, cost_usd=cost)
        hidden = sorted({path for e in episodes for path in hidden_fix_paths(e.trajectory)})
        proposals: list[Proposal] = []
        problems: list[str] = []
        for number, item in enumerate(reply.edits, 1):
            edit = _as_edit(item)
            if isinstance(edit, str):
                problems.append(f"edit {number}: {edit}")
                continue
            if names_any_file(f"{item.section or ''}\n{item.text or ''}", hidden):
                problems.append(f"edit {number}: names a file of a fix the agent never opened")
                continue
            support = tuple(episodes[i - 1].citation for i in item.episodes if 1 <= i <= len(episodes))
            proposals.append(Proposal(edit=edit, support=support, rationale=item.rationale))
        return Reflection(
            proposals=merge_proposals(proposals),
            error="; ".join(problems) if problems else None,
            tokens=tokens,
            cost_usd=cost,
        )


def reflection_prompt(
    skill: Skill, episodes: Sequence[TrainingEpisode], rejected: Sequence[RejectedProposal]
) -> str:
    """What the reflection model reads: the skill, the rejected edits, and the episode reports."""
    lines = [
        "# Current skill",
        skill.markdown() or "(empty: no rules yet)",
        "",
        "# Rejected edits this epoch",
    ]
    for item in rejected:
        change = "not measured" if item.score_change is None else f"selection change {item.score_change:+.2f}"
        lines.append(f"- {describe_edit(item.edit)} ({change})")
    if not rejected:
        lines.append("(none)")
    for number, episode in enumerate(episodes, 1):
        verdict = "FAILED" if episode.failed else "SUCCEEDED"
        lines += ["", f"# Episode {number} ({verdict})"]
        lines.append(episode_report(episode.trajectory, classify(episode.trajectory)))
    return "\n".join(lines)


def merge_proposals(proposals: Sequence[Proposal]) -> list[Proposal]:
    """Identical edits joined (their support and evidence unioned), ranked by how many episodes
    support them, ties in order of first appearance."""
    merged: dict[str, Proposal] = {}
    for proposal in proposals:
        key = _edit_key(proposal.edit)
        seen = merged.get(key)
        if seen is None:
            merged[key] = proposal
            continue
        merged[key] = seen.model_copy(
            update={
                "support": tuple(dict.fromkeys(seen.support + proposal.support)),
                "evidence": tuple(dict.fromkeys(seen.evidence + proposal.evidence)),
            }
        )
    order = list(merged)
    return sorted(merged.values(), key=lambda p: (-len(p.support), order.index(_edit_key(p.edit))))


def _as_edit(item: EditReply) -> SkillEdit | str:
    """The edit the reply item describes, or what is missing from it."""
    if item.op == "add":
        if not item.section or not item.text:
            return "add needs a section and a text"
        return AddRule(section=item.section, text=item.text)
    if not item.rule_id:
        return f"{item.op} needs a rule_id"
    if item.op == "delete":
        return DeleteRule(rule_id=item.rule_id)
    if not item.text:
        return f"{item.op} needs a text"
    if item.op == "replace":
        return ReplaceRule(rule_id=item.rule_id, text=item.text)
    return InsertAfter(rule_id=item.rule_id, text=item.text)


def _edit_key(edit: SkillEdit) -> str:
    """Edits equal up to case and spacing share a key."""
    data = edit.model_dump()
    return json.dumps({k: _normal(v) if isinstance(v, str) else v for k, v in data.items()}, sort_keys=True)


def _normal(text: str) -> str:
    return " ".join(text.lower().split())
