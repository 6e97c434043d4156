"""Diffs between skill versions: rule changes by id, and the markdown diff."""

from fixloop.improve.skills.edits import AddRule, DeleteRule, ReplaceRule, apply_edits
from fixloop.improve.skills.skill import PROTECTED_SECTION, Provenance, Skill
from fixloop.improve.skills.skill_diff import RuleChange, diff_skills, unified_diff

BEFORE = Skill.parse("## Testing\n- [R1] Run tests.\n- [R2] Read first.\n\n## Editing\n- [R3] Be small.\n")


def test_identical_skills_have_no_changes():
    assert diff_skills(BEFORE, BEFORE) == []
    assert unified_diff(BEFORE, BEFORE) == ""


def test_added_changed_and_removed_rules_in_new_order_then_removed():
    edits = [
        AddRule(section="Editing", text="Diff first."),
        ReplaceRule(rule_id="R3", text="Be tiny."),
        DeleteRule(rule_id="R1"),
    ]
    after = apply_edits(BEFORE, edits).skill
    assert diff_skills(BEFORE, after) == [
        RuleChange(kind="changed", rule_id="R3", section="Editing", before="Be small.", after="Be tiny."),
        RuleChange(kind="added", rule_id="R4", section="Editing", before=None, after="Diff first."),
        RuleChange(kind="removed", rule_id="R1", section="Testing", before="Run tests.", after=None),
    ]


def test_a_rule_under_another_section_is_moved():
    after = Skill.parse("## Testing\n- [R1] Run tests.\n\n## Editing\n- [R3] Be small.\n- [R2] Read first.\n")
    assert diff_skills(BEFORE, after) == [
        RuleChange(
            kind="moved",
            rule_id="R2",
            section="Editing",
            before="Read first.",
            after="Read first.",
            from_section="Testing",
        )
    ]


def test_slow_update_rules_are_diffed_under_the_protected_section():
    after = BEFORE.with_slow_update(["Consolidated."], Provenance(origin="slow_update"))
    assert diff_skills(BEFORE, after) == [
        RuleChange(kind="added", rule_id="S1", section=PROTECTED_SECTION, before=None, after="Consolidated.")
    ]


def test_unified_diff_shows_the_markdown_lines_with_the_names():
    after = apply_edits(BEFORE, [ReplaceRule(rule_id="R3", text="Be tiny.")]).skill
    diff = unified_diff(BEFORE, after, "step-1", "step-2")
    assert diff.startswith("--- step-1\n+++ step-2\n")
    assert "-- [R3] Be small.\n" in diff
    assert "+- [R3] Be tiny.\n" in diff
