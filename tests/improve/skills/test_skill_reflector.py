"""Skill reflectors: the template reflector on hand-built episodes, proposal merging, and the
llm reflector against a real OpenAI-compatible HTTP server that answers well, badly or not at all."""

import re

import pytest

from fixloop.analysis.failure_classifier import FailureLabel
from fixloop.improve.reflection_templates import TEMPLATES
from fixloop.improve.skills.edits import AddRule, DeleteRule, ReplaceRule
from fixloop.improve.skills.skill import EpisodeCitation, Skill
from fixloop.improve.skills.skill_reflector import (
    LLMSkillReflector,
    Proposal,
    RejectedProposal,
    TemplateSkillReflector,
    TrainingEpisode,
    merge_proposals,
    reflection_prompt,
)
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from tests.analysis.builders import edit, read, run, search, submit, trajectory
from tests.fake_openai_server import FakeOpenAIServer, Reply

L = FailureLabel

SKILL = Skill.parse(
    """# Debugging

## Editing
- [R1] Read a file before you edit it.

## Testing and submitting
- [R2] Keep edits small.
"""
)


def never_tested(task_id: str = "calc-add", index: int = 0) -> TrainingEpisode:
    """Edited, then submitted without running the tests: NEVER_TESTED only."""
    t = trajectory(run(2), read("calc.py"), edit(), submit(0.5), outcome="unresolved")
    return _episode(t, task_id, index)


def wrong_files(task_id: str = "calc-add", index: int = 0) -> TrainingEpisode:
    """Read only files the fix does not touch (never calc.py): WRONG_FILE_NAVIGATION and
    PREMATURE_SUBMIT; calc.py is a fix file the agent never opened."""
    t = trajectory(run(2), read("util.py"), read("io_helpers.py"), submit(0.5), outcome="unresolved")
    return _episode(t, task_id, index)


def looping(task_id: str = "calc-add", index: int = 0) -> TrainingEpisode:
    t = trajectory(search("add"), search("add"), search("add"), submit(0.5), outcome="unresolved")
    return _episode(t, task_id, index)


def resolved(task_id: str = "calc-add", index: int = 0) -> TrainingEpisode:
    t = trajectory(run(2), read("calc.py"), edit(), run(4), submit())
    return _episode(t, task_id, index)


def infra_error(task_id: str = "calc-add", index: int = 0) -> TrainingEpisode:
    t = trajectory(read("calc.py"), outcome="infra_error", error="sandbox died")
    return _episode(t, task_id, index)


def _episode(t, task_id: str, index: int) -> TrainingEpisode:
    citation = EpisodeCitation(run="train-e0s0", task_id=task_id, episode_index=index)
    return TrainingEpisode(citation=citation, trajectory=t.model_copy(update={"task_id": task_id}))


def template(episodes, skill: Skill = SKILL, rejected=()):
    return TemplateSkillReflector().propose(skill, episodes, rejected=list(rejected))


def rule_of(label: FailureLabel) -> str:
    return TEMPLATES[label].rule


def names_calc_module(text: str) -> bool:
    """Whether `text` names calc.py itself (tests/test_calc.py does not count)."""
    return re.search(r"(?<![\w.-])calc\.py", text) is not None


# the template reflector


@pytest.mark.parametrize(
    ("make", "label", "section"),
    [
        (never_tested, L.NEVER_TESTED, "Testing and submitting"),
        (wrong_files, L.WRONG_FILE_NAVIGATION, "Navigation"),
        (looping, L.LOOPING_BEHAVIOR, "Navigation"),
    ],
)
def test_the_template_reflector_adds_the_labels_rule_to_the_labels_section(make, label, section):
    proposals = template([make()]).proposals
    assert AddRule(section=section, text=rule_of(label)) in [p.edit for p in proposals]


def test_every_label_of_a_failed_episode_proposes_its_rule():
    proposals = template([wrong_files()]).proposals
    assert [p.rationale for p in proposals] == [L.WRONG_FILE_NAVIGATION.value, L.PREMATURE_SUBMIT.value]
    assert proposals[1].edit == AddRule(section="Testing and submitting", text=rule_of(L.PREMATURE_SUBMIT))


def test_a_template_proposal_is_supported_by_its_episode():
    episode = never_tested("calc-add", 3)
    (proposal,) = template([episode]).proposals
    assert proposal.support == (episode.citation,)


def test_a_template_proposals_evidence_names_the_task():
    (proposal,) = template([never_tested("pager-exact-multiple")]).proposals
    assert proposal.evidence
    assert all(line.startswith("pager-exact-multiple: ") for line in proposal.evidence)
    assert "submitted with no test run since the edit" in proposal.evidence[0]


def test_the_template_reflector_proposes_nothing_for_a_resolved_episode():
    reflection = template([resolved()])
    assert reflection.proposals == []
    assert reflection.error is None


def test_the_template_reflector_proposes_nothing_for_an_infra_error():
    assert template([infra_error()]).proposals == []


def test_the_template_reflector_skips_a_rule_the_skill_already_has():
    shouting = rule_of(L.NEVER_TESTED).upper().replace(" ", "  ")
    skill = Skill.parse(f"## Testing\n- {shouting}\n")
    assert template([never_tested()], skill=skill).proposals == []


def test_the_template_reflector_skips_an_edit_the_gate_rejected():
    edit = AddRule(section="Testing and submitting", text=rule_of(L.NEVER_TESTED))
    rejected = [RejectedProposal(edit=edit, score_change=-0.1, reason="no better on selection")]
    assert template([never_tested()], rejected=rejected).proposals == []


def test_episodes_failing_the_same_way_support_one_proposal():
    first, second = never_tested("calc-add", 0), never_tested("pager-exact-multiple", 1)
    (proposal,) = template([first, second]).proposals
    assert proposal.support == (first.citation, second.citation)


def test_the_template_reflector_is_deterministic():
    episodes = [wrong_files(), never_tested("t2", 1), looping("t3", 2)]
    assert template(episodes) == template(episodes)


def test_template_proposals_never_name_a_fix_file_the_agent_did_not_open():
    reflection = template([wrong_files()])
    assert reflection.proposals
    assert not names_calc_module(reflection.model_dump_json())


# merge_proposals


def cite(task_id: str, index: int = 0) -> EpisodeCitation:
    return EpisodeCitation(run="train-e0s0", task_id=task_id, episode_index=index)


def test_merging_joins_edits_equal_up_to_case_and_spacing():
    a = Proposal(
        edit=AddRule(section="Testing", text="Run the tests."), support=(cite("a"),), evidence=("x",)
    )
    b = Proposal(
        edit=AddRule(section="testing", text="  run   THE tests. "), support=(cite("b"),), evidence=("y",)
    )
    (merged,) = merge_proposals([a, b])
    assert merged.edit == a.edit
    assert merged.support == (cite("a"), cite("b"))
    assert merged.evidence == ("x", "y")


def test_merging_counts_an_episode_supporting_twice_once():
    a = Proposal(edit=DeleteRule(rule_id="R1"), support=(cite("a"),))
    (merged,) = merge_proposals([a, a])
    assert merged.support == (cite("a"),)


def test_merging_keeps_different_edits_apart():
    a = Proposal(edit=ReplaceRule(rule_id="R1", text="Run the tests."), support=(cite("a"),))
    b = Proposal(edit=ReplaceRule(rule_id="R2", text="Run the tests."), support=(cite("b"),))
    assert merge_proposals([a, b]) == [a, b]


def test_merged_proposals_rank_by_support_then_first_appearance():
    lone = Proposal(edit=DeleteRule(rule_id="R1"), support=(cite("a"),))
    other = Proposal(edit=DeleteRule(rule_id="R2"), support=(cite("b"),))
    popular = Proposal(edit=DeleteRule(rule_id="R3"), support=(cite("c"),))
    again = Proposal(edit=DeleteRule(rule_id="R3"), support=(cite("d"),))
    ranked = merge_proposals([lone, other, popular, again])
    assert [p.edit.rule_id for p in ranked] == ["R3", "R1", "R2"]


# the llm reflector, against a real HTTP server


def llm(server: FakeOpenAIServer | None = None, *, base_url: str | None = None) -> LLMSkillReflector:
    model = OpenAIModel(
        "fake-model",
        base_url=base_url or server.base_url,
        timeout_s=5,
        retry=RetryPolicy(max_attempts=1),
    )
    return LLMSkillReflector(model)


GOOD_EDITS = {
    "edits": [
        {
            "op": "add",
            "section": "Testing and submitting",
            "text": "Run the tests after every edit.",
            "episodes": [2, 1, 7],
            "rationale": "Both failures submitted untested code.",
        },
        {"op": "replace", "rule_id": "R2", "text": "Keep each edit to the lines that fail.", "episodes": [0]},
    ]
}


def test_a_valid_reply_becomes_proposals():
    episodes = [never_tested("t1", 0), never_tested("t2", 1)]
    with FakeOpenAIServer(Reply.json(GOOD_EDITS)) as server:
        reflection = llm(server).propose(SKILL, episodes, rejected=[])
    assert reflection.error is None
    assert [p.edit for p in reflection.proposals] == [
        AddRule(section="Testing and submitting", text="Run the tests after every edit."),
        ReplaceRule(rule_id="R2", text="Keep each edit to the lines that fail."),
    ]
    assert reflection.proposals[0].rationale == "Both failures submitted untested code."


def test_a_replys_episode_numbers_become_support_and_out_of_range_ones_are_ignored():
    episodes = [never_tested("t1", 0), never_tested("t2", 1)]
    with FakeOpenAIServer(Reply.json(GOOD_EDITS)) as server:
        add, replace = llm(server).propose(SKILL, episodes, rejected=[]).proposals
    assert add.support == (episodes[1].citation, episodes[0].citation)
    assert replace.support == ()


def test_the_reflection_counts_the_tokens_of_the_call():
    with FakeOpenAIServer(Reply.json(GOOD_EDITS)) as server:
        reflection = llm(server).propose(SKILL, [never_tested()], rejected=[])
    assert reflection.tokens > 0


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply.garbage(), "not a JSON object"),
        (Reply(text=""), "not a JSON object"),
        (Reply.json({"edits": [{"op": "rename", "rule_id": "R1"}]}), "does not fit the schema"),
        (Reply.json({"changes": []}), "does not fit the schema"),
    ],
    ids=["not-json", "empty", "unknown-op", "wrong-key"],
)
def test_an_unusable_reply_gives_no_proposals_and_records_why(reply, error):
    with FakeOpenAIServer(reply) as server:
        reflection = llm(server).propose(SKILL, [never_tested()], rejected=[])
    assert reflection.proposals == []
    assert error in (reflection.error or "")


def test_an_unusable_reply_still_counts_its_tokens():
    with FakeOpenAIServer(Reply.garbage()) as server:
        reflection = llm(server).propose(SKILL, [never_tested()], rejected=[])
    assert reflection.tokens > 0


def test_an_edit_missing_what_its_operation_needs_is_dropped_with_a_reason():
    reply = {"edits": [{"op": "add", "text": "Run the tests."}, {"op": "delete", "rule_id": "R1"}]}
    with FakeOpenAIServer(Reply.json(reply)) as server:
        reflection = llm(server).propose(SKILL, [never_tested()], rejected=[])
    assert [p.edit for p in reflection.proposals] == [DeleteRule(rule_id="R1")]
    assert reflection.error == "edit 1: add needs a section and a text"


def test_an_edit_naming_a_fix_file_the_agent_never_opened_is_dropped_with_a_reason():
    reply = {
        "edits": [
            {"op": "add", "section": "Navigation", "text": "Open calc.py first.", "episodes": [1]},
            {"op": "add", "section": "Navigation", "text": "Follow the failing test's imports."},
        ]
    }
    with FakeOpenAIServer(Reply.json(reply)) as server:
        reflection = llm(server).propose(SKILL, [wrong_files()], rejected=[])
    assert [p.edit.text for p in reflection.proposals] == ["Follow the failing test's imports."]
    assert reflection.error == "edit 1: names a file of a fix the agent never opened"


def test_an_edit_whose_section_names_a_fix_file_the_agent_never_opened_is_dropped():
    reply = {"edits": [{"op": "add", "section": "Fixing calc.py", "text": "Check the sign of offsets."}]}
    with FakeOpenAIServer(Reply.json(reply)) as server:
        reflection = llm(server).propose(SKILL, [wrong_files()], rejected=[])
    assert reflection.proposals == []
    assert reflection.error == "edit 1: names a file of a fix the agent never opened"


def test_a_server_error_is_recorded_not_raised():
    with FakeOpenAIServer(Reply.server_error(500)) as server:
        reflection = llm(server).propose(SKILL, [never_tested()], rejected=[])
    assert reflection.proposals == []
    assert "the reflection model openai:fake-model failed" in (reflection.error or "")


def test_an_unreachable_model_is_recorded_not_raised():
    with FakeOpenAIServer() as server:
        gone = server.base_url
    reflection = llm(base_url=gone).propose(SKILL, [never_tested()], rejected=[])
    assert reflection.proposals == []
    assert "failed" in (reflection.error or "")


def test_the_reflection_model_is_sent_the_replys_json_schema():
    with FakeOpenAIServer(Reply.json(GOOD_EDITS)) as server:
        llm(server).propose(SKILL, [never_tested()], rejected=[])
        (request,) = server.requests
    assert request.format_type == "json_schema"
    assert request.temperature == 0.0


# what the reflection model reads

REJECTED = [
    RejectedProposal(
        edit=AddRule(section="Editing", text="Always rewrite the whole file."),
        score_change=-0.25,
        reason="worse on selection",
    ),
    RejectedProposal(edit=DeleteRule(rule_id="R1"), score_change=None, reason="the budget ran out"),
]


def prompt() -> str:
    return reflection_prompt(SKILL, [wrong_files("t1", 0), resolved("t2", 1)], REJECTED)


def test_the_prompt_holds_the_skill_with_its_rule_ids():
    assert "- [R1] Read a file before you edit it." in prompt()
    assert "- [R2] Keep edits small." in prompt()


def test_the_prompt_holds_the_rejected_edits_with_their_score_change():
    assert "- add to Editing: Always rewrite the whole file. (selection change -0.25)" in prompt()
    assert "- delete R1 (not measured)" in prompt()


def test_the_prompt_says_none_when_no_edit_was_rejected():
    text = reflection_prompt(SKILL, [never_tested()], [])
    assert "# Rejected edits this epoch\n(none)" in text


def test_the_prompt_reports_both_failed_and_succeeded_episodes():
    text = prompt()
    assert "# Episode 1 (FAILED)" in text
    assert "# Episode 2 (SUCCEEDED)" in text
    assert "task: t1" in text and "task: t2" in text


def test_the_prompt_of_an_empty_skill_says_it_is_empty():
    assert "(empty: no rules yet)" in reflection_prompt(Skill(), [never_tested()], [])


def test_the_prompt_never_names_a_fix_file_the_agent_did_not_open():
    text = reflection_prompt(SKILL, [wrong_files()], [])
    assert "util.py" in text
    assert not names_calc_module(text)


def test_the_reflection_model_is_sent_the_prompt():
    episodes = [wrong_files("t1", 0), resolved("t2", 1)]
    with FakeOpenAIServer(Reply.json({"edits": []})) as server:
        reflection = llm(server).propose(SKILL, episodes, rejected=REJECTED)
        (request,) = server.requests
    assert reflection.proposals == [] and reflection.error is None
    assert request.messages[-1]["content"] == reflection_prompt(SKILL, episodes, REJECTED)
