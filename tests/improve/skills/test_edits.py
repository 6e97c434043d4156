"""Skill edits: what each operation does, and why an edit is rejected."""

import pytest

from fixloop.improve.skills.edits import (
    SKILL_EDIT_ADAPTER,
    AddRule,
    DeleteRule,
    InsertAfter,
    ReplaceRule,
    apply_edits,
    describe_edit,
)
from fixloop.improve.skills.skill import MAX_RULE_CHARS, Provenance, Rule, Skill

REFLECTION = Provenance(origin="reflection", training="t1", step=2)

SKILL = Skill.parse(
    """# Debugging

## Testing
- [R1] Run the tests after every edit.
- [R2] Read the failing test first.

## Editing
- [R3] Keep edits small.

## Slow update (protected)
- [S1] Reproduce the failure first.
"""
)


def ids(skill: Skill) -> list[str]:
    return [rule.id for _, rule in skill.rules()]


def rejection(edit) -> str:
    outcome = apply_edits(SKILL, [edit])
    assert outcome.applied == []
    assert outcome.skill == SKILL
    [rejected] = outcome.rejected
    assert rejected.edit == edit
    return rejected.reason


def test_add_appends_to_the_named_section_with_the_next_id():
    outcome = apply_edits(SKILL, [AddRule(section="Testing", text="Check the exit code.")])
    assert [(title, rule.id) for title, rule in outcome.skill.rules()][:3] == [
        ("Testing", "R1"),
        ("Testing", "R2"),
        ("Testing", "R4"),
    ]
    assert outcome.added_rule_ids == ["R4"]


def test_add_creates_a_missing_section_at_the_end():
    outcome = apply_edits(SKILL, [AddRule(section="Searching", text="Grep before reading.")])
    assert [section.title for section in outcome.skill.sections] == ["Testing", "Editing", "Searching"]
    assert outcome.skill.rule("R4") == Rule(id="R4", text="Grep before reading.")


def test_insert_after_places_the_rule_right_after_the_named_one():
    outcome = apply_edits(SKILL, [InsertAfter(rule_id="R1", text="Read the traceback.")])
    assert ids(outcome.skill) == ["R1", "R4", "R2", "R3", "S1"]
    assert outcome.added_rule_ids == ["R4"]


def test_replace_keeps_the_id_and_changes_text_and_provenance():
    outcome = apply_edits(SKILL, [ReplaceRule(rule_id="R3", text="Keep edits minimal.")], REFLECTION)
    assert outcome.skill.rule("R3") == Rule(id="R3", text="Keep edits minimal.", provenance=REFLECTION)
    assert ids(outcome.skill) == ids(SKILL)


def test_replace_may_fix_only_the_case_of_a_rule():
    outcome = apply_edits(SKILL, [ReplaceRule(rule_id="R3", text="keep edits small.")])
    assert outcome.skill.rule("R3").text == "keep edits small."


def test_delete_removes_the_rule():
    outcome = apply_edits(SKILL, [DeleteRule(rule_id="R2")])
    assert ids(outcome.skill) == ["R1", "R3", "S1"]


def test_edits_apply_in_order_each_to_the_previous_result():
    edits = [
        AddRule(section="Editing", text="Diff before submitting."),
        InsertAfter(rule_id="R4", text="Re-run the tests."),
        DeleteRule(rule_id="R3"),
    ]
    outcome = apply_edits(SKILL, edits)
    assert ids(outcome.skill) == ["R1", "R2", "R4", "R5", "S1"]
    assert outcome.added_rule_ids == ["R4", "R5"]
    assert outcome.rejected == []


def test_an_id_deleted_earlier_in_the_batch_is_not_given_to_a_new_rule():
    outcome = apply_edits(SKILL, [DeleteRule(rule_id="R3"), AddRule(section="Editing", text="Be brief.")])
    assert outcome.added_rule_ids == ["R4"]


def test_multi_line_text_is_collapsed_and_applied_as_stored():
    outcome = apply_edits(SKILL, [AddRule(section=" Testing ", text="Run\n  the linter\ttoo.")])
    assert outcome.skill.rule("R4").text == "Run the linter too."
    assert outcome.applied == [AddRule(section="Testing", text="Run the linter too.")]


def test_one_provenance_goes_on_every_written_rule():
    edits = [AddRule(section="A", text="x."), ReplaceRule(rule_id="R1", text="y.")]
    outcome = apply_edits(SKILL, edits, REFLECTION)
    assert outcome.skill.rule("R4").provenance == REFLECTION
    assert outcome.skill.rule("R1").provenance == REFLECTION


def test_provenance_may_be_given_per_edit():
    other = Provenance(origin="reflection", training="t1", step=3)
    edits = [AddRule(section="A", text="x."), AddRule(section="A", text="y.")]
    outcome = apply_edits(SKILL, edits, [REFLECTION, other])
    assert outcome.skill.rule("R4").provenance == REFLECTION
    assert outcome.skill.rule("R5").provenance == other


def test_without_provenance_rules_are_hand_written():
    outcome = apply_edits(SKILL, [AddRule(section="A", text="x.")])
    assert outcome.skill.rule("R4").provenance == Provenance()


def test_a_provenance_list_of_the_wrong_length_raises():
    with pytest.raises(ValueError, match="2 provenances for 1 edits"):
        apply_edits(SKILL, [DeleteRule(rule_id="R1")], [REFLECTION, REFLECTION])


def test_a_rejected_edit_leaves_the_rest_of_the_batch_applied():
    edits = [DeleteRule(rule_id="R9"), DeleteRule(rule_id="R1")]
    outcome = apply_edits(SKILL, edits)
    assert outcome.applied == [DeleteRule(rule_id="R1")]
    assert [rejected.edit for rejected in outcome.rejected] == [DeleteRule(rule_id="R9")]


@pytest.mark.parametrize(
    "edit",
    [
        DeleteRule(rule_id="R9"),
        ReplaceRule(rule_id="R9", text="x."),
        InsertAfter(rule_id="R9", text="x."),
    ],
)
def test_an_edit_naming_a_missing_rule_is_rejected(edit):
    assert rejection(edit) == "no rule R9 in the skill"


def test_an_edit_naming_a_rule_deleted_earlier_in_the_batch_says_so():
    outcome = apply_edits(SKILL, [DeleteRule(rule_id="R2"), ReplaceRule(rule_id="R2", text="x.")])
    assert outcome.rejected[0].reason == "no rule R2 (it was deleted earlier in this batch)"


@pytest.mark.parametrize("section", ["Slow update", "slow update (protected)", "  SLOW   UPDATE "])
def test_adding_to_the_protected_section_by_title_is_rejected(section):
    assert "protected" in rejection(AddRule(section=section, text="x."))


@pytest.mark.parametrize(
    "edit",
    [
        ReplaceRule(rule_id="S1", text="x."),
        DeleteRule(rule_id="S1"),
        InsertAfter(rule_id="S1", text="x."),
        DeleteRule(rule_id="S9"),
    ],
)
def test_an_edit_naming_an_s_id_is_rejected_as_protected(edit):
    assert rejection(edit) == "the slow-update section is protected: only the slow update writes it"


@pytest.mark.parametrize(
    "edit",
    [
        AddRule(section="Editing", text="run the tests   after every edit."),
        InsertAfter(rule_id="R3", text="RUN THE TESTS AFTER EVERY EDIT."),
        ReplaceRule(rule_id="R3", text="Run the tests after every edit."),
    ],
)
def test_text_duplicating_an_existing_rule_is_rejected(edit):
    assert rejection(edit) == "duplicates R1"


def test_text_duplicating_a_protected_rule_is_rejected():
    assert rejection(AddRule(section="A", text="Reproduce the failure first.")) == "duplicates S1"


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_rejected(text):
    assert rejection(AddRule(section="Testing", text=text)) == "the rule text is empty"


def test_text_over_the_limit_is_rejected():
    reason = rejection(AddRule(section="Testing", text="x" * (MAX_RULE_CHARS + 1)))
    assert reason.startswith(f"the rule text is {MAX_RULE_CHARS + 1} characters, over the limit")


def test_text_starting_with_an_id_tag_is_rejected():
    assert "reads as a rule id" in rejection(AddRule(section="Testing", text="[R7] Sneaky."))


def test_an_empty_section_title_is_rejected():
    assert rejection(AddRule(section="  ", text="x.")) == "the section title is empty"


def test_a_replace_with_identical_text_is_rejected_as_no_change():
    assert rejection(ReplaceRule(rule_id="R3", text="Keep  edits\nsmall.")).startswith("no change")


def test_edits_round_trip_through_json():
    edits = [
        AddRule(section="A", text="x."),
        InsertAfter(rule_id="R1", text="y."),
        ReplaceRule(rule_id="R2", text="z."),
        DeleteRule(rule_id="R3"),
    ]
    assert SKILL_EDIT_ADAPTER.validate_json(SKILL_EDIT_ADAPTER.dump_json(edits)) == edits


def test_edits_are_read_by_their_op():
    [edit] = SKILL_EDIT_ADAPTER.validate_python([{"op": "delete", "rule_id": "R1"}])
    assert edit == DeleteRule(rule_id="R1")


@pytest.mark.parametrize(
    ("edit", "line"),
    [
        (
            AddRule(section="Testing", text="Run the tests after every edit."),
            "add to Testing: Run the tests after every edit.",
        ),
        (InsertAfter(rule_id="R1", text="Read\nfirst."), "insert after R1: Read first."),
        (ReplaceRule(rule_id="R2", text="Be brief."), "replace R2: Be brief."),
        (DeleteRule(rule_id="R3"), "delete R3"),
    ],
)
def test_describe_edit_gives_one_line(edit, line):
    assert describe_edit(edit) == line
