"""The skill document: its markdown format, parse errors, versions, and the protected section."""

import pytest
from pydantic import ValidationError

from fixloop.improve.skills.skill import (
    MAX_RULE_CHARS,
    PROTECTED_SECTION,
    EpisodeCitation,
    Provenance,
    Rule,
    Section,
    Skill,
    SkillParseError,
)
from fixloop.models.base import estimated_tokens

REFLECTION = Provenance(
    origin="reflection",
    training="t1",
    step=3,
    episodes=(EpisodeCitation(run="baseline", task_id="calc-add", episode_index=0),),
    evidence=("submitted with no test run",),
)

MARKDOWN = """# Debugging

## Testing
- [R1] Run the tests after every edit.
- [R2] Read the failing test before editing.

## Editing
- [R3] Keep edits small.

## Slow update (protected)
- [S1] Reproduce the failure first.
"""


def skill() -> Skill:
    return Skill.parse(MARKDOWN)


def parse_error(text: str) -> str:
    with pytest.raises(SkillParseError) as caught:
        Skill.parse(text)
    return str(caught.value)


def test_markdown_renders_title_sections_and_the_protected_section_last():
    built = Skill(
        title="Debugging",
        sections=(
            Section(
                title="Testing",
                rules=(
                    Rule(id="R1", text="Run the tests after every edit."),
                    Rule(id="R2", text="Read the failing test before editing."),
                ),
            ),
            Section(title="Editing", rules=(Rule(id="R3", text="Keep edits small."),)),
        ),
        slow_update=(Rule(id="S1", text="Reproduce the failure first."),),
    )
    assert built.markdown() == MARKDOWN


def test_parse_of_markdown_gives_the_skill_back_without_provenance():
    original = Skill.parse(MARKDOWN, provenance=REFLECTION)
    assert Skill.parse(original.markdown()) == Skill.parse(MARKDOWN)


def test_markdown_of_a_parsed_file_is_a_fixed_point():
    text = "## A\n- one\n  continued\n* two\n\n## B\n\n## Slow update (protected)\n- keep\n"
    once = Skill.parse(text).markdown()
    assert Skill.parse(once).markdown() == once


def test_empty_skill_renders_to_the_empty_string():
    assert Skill().markdown() == ""


def test_empty_or_blank_text_parses_to_the_empty_skill():
    assert Skill.parse("") == Skill()
    assert Skill.parse("  \n\n\t\n") == Skill()


def test_empty_sections_are_rendered_as_a_heading():
    assert Skill(sections=(Section(title="Later"),)).markdown() == "# Skill\n\n## Later\n"


def test_protected_heading_appears_only_when_it_has_rules():
    assert "Slow update" not in Skill.parse("## A\n- x\n\n## Slow update (protected)\n").markdown()


def test_a_file_without_a_title_gets_the_default_title():
    assert Skill.parse("## A\n- x\n").title == "Skill"


def test_a_custom_title_with_no_sections_round_trips():
    assert Skill.parse(Skill(title="Mine").markdown()) == Skill(title="Mine")


def test_hand_written_rules_without_ids_get_fresh_ids_after_the_highest_used():
    parsed = Skill.parse("## A\n- first\n- [R7] tagged\n- second\n\n## Slow update (protected)\n- guide\n")
    assert [rule.id for _, rule in parsed.rules()] == ["R8", "R7", "R9", "S1"]


def test_star_bullets_are_rules():
    assert Skill.parse("## A\n* starred\n").rules()[0][1].text == "starred"


def test_indented_continuation_lines_join_the_rule_text():
    parsed = Skill.parse("## A\n- Run the tests\n    after every\n\tedit.\n")
    assert parsed.rules()[0][1].text == "Run the tests after every edit."


def test_a_tag_alone_on_the_bullet_line_takes_its_text_from_continuation_lines():
    assert Skill.parse("## A\n- [R2]\n  the text\n").rule("R2") == Rule(id="R2", text="the text")


def test_parsed_rules_get_the_given_provenance():
    parsed = Skill.parse(MARKDOWN, provenance=REFLECTION)
    assert {rule.provenance for _, rule in parsed.rules()} == {REFLECTION}


def test_parsed_rules_are_hand_written_by_default():
    assert {rule.provenance.origin for _, rule in skill().rules()} == {"hand_written"}


def test_whitespace_in_rule_text_is_collapsed():
    assert Rule(id="R1", text="  a \n  b\t c ").text == "a b c"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("## A\n- ok\nloose paragraph\n", "line 3: text outside a rule"),
        ("- orphan\n", "line 1: a rule before any section"),
        ("# T\n- orphan\n", "line 2: a rule before any section"),
        ("## A\n- [R1] a\n- [R1] b\n", "line 3: rule id R1 is already used on line 2"),
        ("## A\n- [S1] a\n", "line 2: S1 is a slow-update id"),
        ("## Slow update (protected)\n- [R1] a\n", "line 2: R1 is an ordinary rule id"),
        ("## A\n- [X1] a\n", "line 2: malformed rule id [X1]"),
        ("## A\n- [R0] a\n", "line 2: malformed rule id [R0]"),
        ("## A\n- [] a\n", "line 2: malformed rule id []"),
        (
            f"## A\n\n- {'x' * (MAX_RULE_CHARS + 1)}\n",
            f"line 3: the rule text is {MAX_RULE_CHARS + 1} characters",
        ),
        ("## A\n-\n", "line 2: the rule text is empty"),
        ("  indented first\n", "line 1: indented text with no rule above it"),
        ("## A\n- a\n  - nested\n", "line 3: nested bullets are not supported"),
        ("## A\n### Sub\n", "line 2: unsupported heading level ###"),
        ("## A\n##\n", "line 2: empty heading"),
        ("# One\n# Two\n", "line 2: a second '# title' line"),
        ("## A\n# Late title\n", "line 2: a second '# title' line"),
        ("## A\n\n## A\n", "line 3: section 'A' already opened on line 1"),
        ("## slow update\n- a\n", "line 1: 'slow update' is the protected section's name"),
        ("## A\n- [R1] [R2] text\n", "line 2: the rule text starts with '[R2]'"),
    ],
)
def test_parse_errors_name_the_line_and_what_is_wrong(text, message):
    assert message in parse_error(text)


def test_long_rules_are_measured_after_joining_continuation_lines():
    text = f"## A\n- {'x' * 300}\n  {'y' * 200}\n"
    assert parse_error(text).startswith("line 2: the rule text is 501 characters")


def test_parse_error_is_a_value_error():
    assert issubclass(SkillParseError, ValueError)


def test_version_id_is_twelve_hex_digits_shared_by_equal_skills():
    assert len(skill().version_id) == 12
    assert int(skill().version_id, 16) >= 0
    assert skill().version_id == Skill.parse(MARKDOWN).version_id


@pytest.mark.parametrize(
    "changed",
    [
        MARKDOWN.replace("Keep edits small.", "Keep edits tiny."),
        MARKDOWN.replace("# Debugging", "# Fixing"),
        MARKDOWN.replace("## Editing", "## Edits"),
        MARKDOWN.replace("- [R3] Keep edits small.\n", ""),
        MARKDOWN.replace("- [S1] Reproduce the failure first.", "- [S1] Reproduce it."),
    ],
)
def test_version_id_changes_with_any_edit(changed):
    assert Skill.parse(changed).version_id != skill().version_id


def test_version_id_changes_with_provenance():
    assert Skill.parse(MARKDOWN, provenance=REFLECTION).version_id != skill().version_id


def test_tokens_are_the_estimate_for_the_markdown():
    assert skill().tokens == estimated_tokens(MARKDOWN)
    assert Skill().tokens == 0


def test_rule_finds_a_rule_by_id_in_any_section():
    assert skill().rule("R3") == Rule(id="R3", text="Keep edits small.")
    assert skill().rule("S1") == Rule(id="S1", text="Reproduce the failure first.")
    assert skill().rule("R9") is None


def test_rules_lists_every_rule_with_its_section_in_order():
    assert [(title, rule.id) for title, rule in skill().rules()] == [
        ("Testing", "R1"),
        ("Testing", "R2"),
        ("Editing", "R3"),
        (PROTECTED_SECTION, "S1"),
    ]


def test_next_rule_id_is_one_past_the_highest_r_id():
    assert skill().next_rule_id() == "R4"
    assert Skill().next_rule_id() == "R1"


def test_with_slow_update_replaces_the_whole_protected_section():
    slow = Provenance(origin="slow_update", training="t1", step=10)
    updated = skill().with_slow_update(["First guide.", "Second\n guide."], slow)
    assert updated.slow_update == (
        Rule(id="S1", text="First guide.", provenance=slow),
        Rule(id="S2", text="Second guide.", provenance=slow),
    )
    assert updated.sections == skill().sections


def test_with_slow_update_of_nothing_removes_the_protected_section():
    assert "Slow update" not in skill().with_slow_update([], Provenance(origin="slow_update")).markdown()


def test_with_slow_update_rejects_invalid_and_repeated_texts():
    with pytest.raises(ValueError, match="empty"):
        skill().with_slow_update([" "], Provenance())
    with pytest.raises(ValueError, match="repeats"):
        skill().with_slow_update(["Same.", "same."], Provenance())


def test_ordinary_sections_cannot_be_the_protected_one():
    with pytest.raises(ValidationError, match="protected"):
        Skill(sections=(Section(title="Slow update"),))


def test_rule_ids_must_match_their_section():
    with pytest.raises(ValidationError, match="R ids"):
        Skill(sections=(Section(title="A", rules=(Rule(id="S1", text="x"),)),))
    with pytest.raises(ValidationError, match="S ids"):
        Skill(slow_update=(Rule(id="R1", text="x"),))


def test_rule_ids_must_be_unique():
    rules = (Rule(id="R1", text="x"), Rule(id="R1", text="y"))
    with pytest.raises(ValidationError, match="more than once: R1"):
        Skill(sections=(Section(title="A", rules=rules),))


def test_section_titles_must_be_unique():
    with pytest.raises(ValidationError, match="two sections"):
        Skill(sections=(Section(title="A"), Section(title="A")))


def test_rule_ids_must_be_well_formed():
    with pytest.raises(ValidationError, match="not R<n> or S<n>"):
        Rule(id="rule-1", text="x")
