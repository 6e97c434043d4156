"""`SkillEdit`: one operation on a skill, addressed by rule id, and `apply_edits`.

A reflector proposes edits as JSON (`SKILL_EDIT_ADAPTER` reads and writes a list of them);
the trainer adopts some and applies them here. Edits apply in order, each to the result of
the ones before, so a batch may add a rule and then insert after it, or delete a rule a
later edit still names.

An edit is never skipped silently: each one either lands in `EditOutcome.applied` or in
`EditOutcome.rejected` with a reason a person understands — a missing rule id, the protected
section (only the slow update writes it), empty or over-long text, a duplicate of an existing
rule, a replace that changes nothing, and (with `add_only`) any edit that would change or
remove a rule. Multi-line text is not rejected but collapsed to one line; `applied` holds each
edit with its text as the skill now holds it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from fixloop.improve.skills.skill import (
    Provenance,
    Rule,
    Section,
    Skill,
    clean_rule_text,
    is_protected_title,
)

_ADD_ONLY = "add-only training: rules are added, never changed or deleted (ACE's playbook)"
_PROTECTED = "the slow-update section is protected: only the slow update writes it"


class AddRule(BaseModel):
    """Append a rule to a section, creating the section (at the end) if it is missing."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["add"] = Field(default="add", description="The operation.")
    section: str = Field(description="The title of the section to append to.")
    text: str = Field(description="The new rule's text.")


class InsertAfter(BaseModel):
    """Insert a rule right after an existing one, in that rule's section."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["insert_after"] = Field(default="insert_after", description="The operation.")
    rule_id: str = Field(description="The rule the new one follows.")
    text: str = Field(description="The new rule's text.")


class ReplaceRule(BaseModel):
    """Change a rule's text (and provenance); it keeps its id and place."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["replace"] = Field(default="replace", description="The operation.")
    rule_id: str = Field(description="The rule to rewrite.")
    text: str = Field(description="Its new text.")


class DeleteRule(BaseModel):
    """Remove a rule."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    op: Literal["delete"] = Field(default="delete", description="The operation.")
    rule_id: str = Field(description="The rule to remove.")


SkillEdit = Annotated[AddRule | InsertAfter | ReplaceRule | DeleteRule, Field(discriminator="op")]

SKILL_EDIT_ADAPTER: TypeAdapter[list[SkillEdit]] = TypeAdapter(list[SkillEdit])
"""Validates and dumps a list of edits (JSON from a reflector, rows in the store)."""


class RejectedEdit(BaseModel):
    """An edit `apply_edits` did not apply, and why."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    edit: SkillEdit = Field(description="The edit as proposed.")
    reason: str = Field(description="Why it was not applied, for a person to read.")


class EditOutcome(BaseModel):
    """What applying a batch of edits did."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    skill: Skill = Field(description="The skill after every applied edit.")
    applied: list[SkillEdit] = Field(description="The edits applied, in order, with their text as stored.")
    rejected: list[RejectedEdit] = Field(description="The edits not applied, in order, with reasons.")
    added_rule_ids: list[str] = Field(description="The ids of the rules `add` and `insert_after` created.")


class _Rejected(Exception):
    """An edit cannot apply; the message is the reason."""


def apply_edits(
    skill: Skill,
    edits: Sequence[SkillEdit],
    provenance: Provenance | Sequence[Provenance] | None = None,
    *,
    add_only: bool = False,
) -> EditOutcome:
    """Apply `edits` to `skill` in order, each to the result of the ones before.

    `provenance` goes on every rule an edit writes: one for all edits, one per edit, or None
    for hand-written. New rules get `next_rule_id()` at the moment they are added (past any
    id deleted earlier in the batch, so an id never names two rules within one batch). Raises
    ValueError when a provenance sequence's length differs from the edits'; every other
    problem rejects that one edit (see the module docstring) and the batch goes on. With
    `add_only`, `replace` and `delete` are rejected: the skill only grows (ACE's playbook).
    """
    if provenance is None or isinstance(provenance, Provenance):
        provenances = [provenance or Provenance()] * len(edits)
    else:
        provenances = list(provenance)
        if len(provenances) != len(edits):
            raise ValueError(
                f"{len(provenances)} provenances for {len(edits)} edits: give one, or one per edit"
            )
    applied: list[SkillEdit] = []
    rejected: list[RejectedEdit] = []
    added: list[str] = []
    deleted: set[str] = set()
    for edit, origin in zip(edits, provenances, strict=True):
        if add_only and isinstance(edit, ReplaceRule | DeleteRule):
            rejected.append(RejectedEdit(edit=edit, reason=_ADD_ONLY))
            continue
        try:
            skill, stored, new_id = _apply(skill, edit, origin, deleted)
        except _Rejected as reason:
            rejected.append(RejectedEdit(edit=edit, reason=str(reason)))
            continue
        applied.append(stored)
        if new_id is not None:
            added.append(new_id)
        if isinstance(edit, DeleteRule):
            deleted.add(edit.rule_id)
    return EditOutcome(skill=skill, applied=applied, rejected=rejected, added_rule_ids=added)


def describe_edit(edit: SkillEdit) -> str:
    """One line for `edit`, e.g. "add to Testing: Run the tests after every edit."."""
    if isinstance(edit, DeleteRule):
        return f"delete {edit.rule_id}"
    if isinstance(edit, AddRule):
        where = f"add to {_one_line(edit.section)}"
    elif isinstance(edit, InsertAfter):
        where = f"insert after {edit.rule_id}"
    else:
        where = f"replace {edit.rule_id}"
    return f"{where}: {_one_line(edit.text)}"


def _apply(
    skill: Skill, edit: SkillEdit, provenance: Provenance, deleted: set[str]
) -> tuple[Skill, SkillEdit, str | None]:
    """The skill after `edit`, the edit as stored, and the id of the rule it created (if any)."""
    if isinstance(edit, AddRule):
        title = _one_line(edit.section)
        if is_protected_title(title):
            raise _Rejected(_PROTECTED)
        if not title:
            raise _Rejected("the section title is empty")
        text = _new_text(skill, edit.text)
        rule = Rule(id=_new_id(skill, deleted), text=text, provenance=provenance)
        if any(section.title == title for section in skill.sections):
            skill = _edit_section(skill, title, lambda rules: [*rules, rule])
        else:
            skill = _with_sections(skill, [*skill.sections, Section(title=title, rules=(rule,))])
        return skill, edit.model_copy(update={"section": title, "text": text}), rule.id
    section, old = _target(skill, edit.rule_id, deleted)
    if isinstance(edit, DeleteRule):
        return _edit_section(skill, section, lambda rules: [r for r in rules if r.id != old.id]), edit, None
    if isinstance(edit, ReplaceRule):
        text = _new_text(skill, edit.text, replacing=old)
        new = Rule(id=old.id, text=text, provenance=provenance)
        skill = _edit_section(skill, section, lambda rules: [new if r.id == old.id else r for r in rules])
        return skill, edit.model_copy(update={"text": text}), None
    text = _new_text(skill, edit.text)
    new = Rule(id=_new_id(skill, deleted), text=text, provenance=provenance)
    skill = _edit_section(skill, section, lambda rules: _inserted_after(rules, old.id, new))
    return skill, edit.model_copy(update={"text": text}), new.id


def _new_id(skill: Skill, deleted: set[str]) -> str:
    """`skill.next_rule_id()`, or past the ids deleted earlier in the batch if that is higher.

    Otherwise a later edit naming a deleted id would hit the new rule that reused it.
    """
    highest = max((int(rule_id[1:]) for rule_id in deleted), default=0)
    return max(skill.next_rule_id(), f"R{highest + 1}", key=lambda rule_id: int(rule_id[1:]))


def _target(skill: Skill, rule_id: str, deleted: set[str]) -> tuple[str, Rule]:
    """The section and rule an edit addresses; rejects protected and missing rules."""
    found = next(((title, rule) for title, rule in skill.rules() if rule.id == rule_id), None)
    if rule_id.startswith("S"):
        raise _Rejected(_PROTECTED)
    if found is None:
        if rule_id in deleted:
            raise _Rejected(f"no rule {rule_id} (it was deleted earlier in this batch)")
        raise _Rejected(f"no rule {rule_id} in the skill")
    return found


def _new_text(skill: Skill, text: str, replacing: Rule | None = None) -> str:
    """`text` cleaned for a rule; rejects invalid text, no-change replaces and duplicates."""
    try:
        cleaned = clean_rule_text(text)
    except ValueError as error:
        raise _Rejected(str(error)) from None
    if replacing is not None and cleaned == replacing.text:
        raise _Rejected(f"no change: {replacing.id} already says this")
    for _, rule in skill.rules():
        if rule.text.casefold() == cleaned.casefold() and (replacing is None or rule.id != replacing.id):
            raise _Rejected(f"duplicates {rule.id}")
    return cleaned


def _inserted_after(rules: Sequence[Rule], rule_id: str, new: Rule) -> list[Rule]:
    index = next(i for i, rule in enumerate(rules) if rule.id == rule_id)
    return [*rules[: index + 1], new, *rules[index + 1 :]]


def _edit_section(skill: Skill, title: str, change: Callable[[Sequence[Rule]], list[Rule]]) -> Skill:
    """`skill` with the rules of ordinary section `title` replaced by `change(rules)`."""
    return _with_sections(
        skill,
        [
            Section(title=section.title, rules=tuple(change(section.rules)))
            if section.title == title
            else section
            for section in skill.sections
        ],
    )


def _with_sections(skill: Skill, sections: list[Section]) -> Skill:
    return Skill(title=skill.title, sections=tuple(sections), slow_update=skill.slow_update)


def _one_line(text: str) -> str:
    return " ".join(text.split())
