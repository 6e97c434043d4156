"""What changed between two versions of a skill: per rule (by id) and as a text diff.

Rules are matched by id, which edits never reuse for a different rule within a batch, so a
rule whose text was replaced shows as `changed`, not as a removal and an addition. The text
diff is of the markdown, for a person reviewing a training step.
"""

from __future__ import annotations

import difflib
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.improve.skills.skill import Skill


class RuleChange(BaseModel):
    """One rule that differs between two skills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["added", "removed", "changed", "moved"] = Field(
        description="added/removed: only in the new/old skill; changed: new text (maybe also a new "
        "section); moved: same text, another section."
    )
    rule_id: str = Field(description="The rule's id.")
    section: str = Field(description="The rule's section: in the new skill, or the old one if removed.")
    before: str | None = Field(description="The old text; None when added.")
    after: str | None = Field(description="The new text; None when removed.")
    from_section: str | None = Field(
        default=None, description="The section the rule was in before, when it changed section."
    )


def diff_skills(a: Skill, b: Skill) -> list[RuleChange]:
    """The rules that differ from `a` to `b`: in `b`'s order, then the removed ones in `a`'s order."""
    old = {rule.id: (section, rule) for section, rule in a.rules()}
    changes = []
    for section, rule in b.rules():
        if rule.id not in old:
            changes.append(
                RuleChange(kind="added", rule_id=rule.id, section=section, before=None, after=rule.text)
            )
            continue
        old_section, old_rule = old[rule.id]
        if old_rule.text == rule.text and old_section == section:
            continue
        changes.append(
            RuleChange(
                kind="changed" if old_rule.text != rule.text else "moved",
                rule_id=rule.id,
                section=section,
                before=old_rule.text,
                after=rule.text,
                from_section=old_section if old_section != section else None,
            )
        )
    kept = {rule.id for _, rule in b.rules()}
    changes += [
        RuleChange(kind="removed", rule_id=rule.id, section=section, before=rule.text, after=None)
        for section, rule in a.rules()
        if rule.id not in kept
    ]
    return changes


def unified_diff(a: Skill, b: Skill, a_name: str = "a", b_name: str = "b") -> str:
    """The unified diff of the two skills' markdown ("" when it is the same)."""
    lines = difflib.unified_diff(
        a.markdown().splitlines(keepends=True),
        b.markdown().splitlines(keepends=True),
        fromfile=a_name,
        tofile=b_name,
    )
    return "".join(lines)
