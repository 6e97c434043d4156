"""The reflectors on hand-built trajectories: a template for every label, and the llm reflector
with a scripted model that answers well, answers garbage, or fails."""

import json
import re

import pytest

from fixloop.agents.context import AgentContext
from fixloop.agents.prompt import system_prompt
from fixloop.analysis.failure_classifier import FailureLabel, classify
from fixloop.improve.improvement_plan import EpisodeRef, describe_step
from fixloop.improve.reflection import (
    MAX_STEP_ERRORS,
    LLMReflector,
    Reflector,
    TemplateReflector,
    hidden_fix_paths,
)
from fixloop.models.base import Message, ModelUnavailableError
from fixloop.models.scripted import ScriptedModel
from fixloop.models.sim import active_directives
from tests.analysis.builders import edit, garbage, read, run, search, step, submit, trajectory

L = FailureLabel

EPISODES = {
    L.INFRA_ERROR: lambda: trajectory(read("calc.py"), outcome="infra_error", error="sandbox died"),
    L.BUDGET_EXHAUSTED: lambda: trajectory(read("calc.py"), outcome="budget_exhausted", error="budget spent"),
    L.TAMPERING: lambda: trajectory(
        read("calc.py"),
        edit(),
        submit(0.0),
        outcome="tampered",
        evidence=["tests/conftest.py:5 defines a pytest hook: def pytest_runtest_makereport(item, call):"],
    ),
    L.WRONG_FILE_NAVIGATION: lambda: trajectory(
        run(2), read("util.py"), read("io_helpers.py"), submit(0.5), outcome="unresolved"
    ),
    L.BLIND_WRITE: lambda: trajectory(edit(), run(4), submit()),
    L.SECURITY_VIOLATION: lambda: trajectory(
        read("calc.py"), edit(dangerous={"os.system": 1}), run(4), submit()
    ),
    L.HALLUCINATED_CODE: lambda: trajectory(
        run(2), read("calc.py"), edit(pass_fraction=0.5), run(1), submit(0.25), outcome="unresolved"
    ),
    L.NEVER_TESTED: lambda: trajectory(run(2), read("calc.py"), edit(), submit(0.5), outcome="unresolved"),
    L.LOOPING_BEHAVIOR: lambda: trajectory(
        search("add"), search("add"), search("add"), submit(0.5), outcome="unresolved"
    ),
    L.PREMATURE_SUBMIT: lambda: trajectory(
        read("calc.py"), edit(), run(3), submit(0.75), outcome="partial", score=0.5
    ),
    L.FORMAT_ERRORS: lambda: trajectory(read("calc.py"), garbage(), garbage(), outcome="format_errors"),
    L.REGRESSION: lambda: trajectory(
        read("calc.py"),
        edit(),
        run(4),
        submit(0.75),
        outcome="unresolved",
        broken=["tests/test_calc.py::test_double"],
    ),
    L.CONTEXT_OVERFLOW: lambda: trajectory(
        read("big.py", chars=30_000), read("calc.py", chars=25_000), submit(0.5), outcome="unresolved"
    ),
    L.STEP_LIMIT: lambda: trajectory(read("calc.py"), outcome="wall_time"),
    L.UNRESOLVED: lambda: trajectory(read("calc.py"), submit(0.5), outcome="unresolved"),
    L.CORRECT: lambda: trajectory(run(2), read("calc.py"), edit(), run(4), submit()),
}
"""For each label, an episode whose primary label it is."""

DEFAULT_DIRECTIVE = "start from the failing test, read the code before editing it"
DIRECTIVES = {
    L.INFRA_ERROR: DEFAULT_DIRECTIVE,
    L.BUDGET_EXHAUSTED: DEFAULT_DIRECTIVE,
    L.TAMPERING: "never touch the tests' machinery",
    L.WRONG_FILE_NAVIGATION: "start from the failing test, follow its imports and read only those modules",
    L.BLIND_WRITE: "never write before reading",
    L.SECURITY_VIOLATION: "never write dangerous code",
    L.HALLUCINATED_CODE: "do not guess at code: find the exact lines",
    L.NEVER_TESTED: "run the tests after every edit",
    L.LOOPING_BEHAVIOR: "read each file at most once and use search",
    L.PREMATURE_SUBMIT: "submit only when the last test run passes",
    L.FORMAT_ERRORS: "reply with exactly one json object",
    L.REGRESSION: "keep passing tests passing",
    L.CONTEXT_OVERFLOW: "view only the line ranges you need",
    L.STEP_LIMIT: "keep the last two steps to run the tests and submit",
    L.UNRESOLVED: DEFAULT_DIRECTIVE,
    L.CORRECT: DEFAULT_DIRECTIVE,
}
"""The directive each label's system addon must carry (lower case)."""

SIM_BEHAVIOURS = {
    L.WRONG_FILE_NAVIGATION: "wrong_files",
    L.BLIND_WRITE: "blind_write",
    L.HALLUCINATED_CODE: "wrong_edit",
    L.NEVER_TESTED: "never_test",
    L.LOOPING_BEHAVIOR: "looping",
    L.PREMATURE_SUBMIT: "premature_submit",
    L.FORMAT_ERRORS: "malformed",
}
"""The simulated model's behaviour each label's feedback addresses."""

GOOD_REPLY = {
    "what_went_wrong": "You edited the module without reading it.",
    "improved_strategy": "Read the module before you edit it, then run the tests.",
    "plan_steps": ["Run the tests.", "Read the module the failing test imports.", "Fix it and test."],
    "system_prompt_addon": "Read every file before you edit it and run the tests after each edit.",
}


def episode(label):
    t = EPISODES[label]()
    return t, classify(t)


def template_plan(label, **kwargs):
    return TemplateReflector(**kwargs).reflect(*episode(label))


def plain(text):
    return " ".join(text.lower().split())


def names_calc_module(text):
    """Whether `text` names calc.py itself (tests/test_calc.py does not count)."""
    return re.search(r"(?<![\w.-])calc\.py", text) is not None


def test_every_label_has_an_episode_whose_primary_label_it_is():
    assert {label: classify(make()).primary for label, make in EPISODES.items()} == {
        label: label for label in L
    }


@pytest.mark.parametrize("label", list(L))
def test_the_template_plan_addresses_the_primary_label(label):
    plan = template_plan(label)
    assert plan.failure_label is label
    assert plan.reflector == "template"
    assert plan.fallback_reason is None
    assert plan.what_went_wrong and plan.improved_strategy and plan.plan_steps and plan.user_context_addon
    assert DIRECTIVES[label] in plain(plan.system_prompt_addon)


@pytest.mark.parametrize("label", list(SIM_BEHAVIOURS))
def test_the_simulated_model_recognises_the_feedback_in_the_system_prompt(label):
    plan = template_plan(label)
    prompt = system_prompt(AgentContext(retry_notes=plan.system_prompt_addon))
    assert SIM_BEHAVIOURS[label] in active_directives([Message(role="system", content=prompt)])


@pytest.mark.parametrize("label", list(SIM_BEHAVIOURS))
def test_the_simulated_model_recognises_the_feedback_in_the_user_addon(label):
    plan = template_plan(label)
    messages = [
        Message(role="system", content=system_prompt(AgentContext())),
        Message(role="user", content=plan.user_context_addon),
    ]
    assert SIM_BEHAVIOURS[label] in active_directives(messages)


def test_the_system_addon_has_no_heading_of_its_own():
    for label in L:
        assert not any(line.startswith("#") for line in template_plan(label).system_prompt_addon.splitlines())


def test_the_template_plan_says_how_the_episode_ended():
    plan = template_plan(L.PREMATURE_SUBMIT)
    assert plan.outcome == "partial"
    assert plan.original_score == 0.5
    assert "ended partial with score 0.50" in plan.what_went_wrong


def test_the_classifiers_evidence_is_among_the_specific_errors():
    plan = template_plan(L.BLIND_WRITE)
    assert "step 1: replace_lines on calc.py before reading it" in plan.specific_errors


def test_evidence_of_every_label_found_is_among_the_specific_errors():
    t, diagnosis = episode(L.NEVER_TESTED)
    plan = TemplateReflector().reflect(t, diagnosis)
    for finding in diagnosis.findings:
        for evidence in finding.evidence:
            assert any(evidence.detail in line for line in plan.specific_errors)


def test_steps_with_errors_are_among_the_specific_errors():
    t, diagnosis = episode(L.FORMAT_ERRORS)
    plan = TemplateReflector().reflect(t, diagnosis)
    assert describe_step(t.steps[1]) in plan.specific_errors
    assert describe_step(t.steps[2]) in plan.specific_errors


def test_steps_with_errors_are_listed_up_to_a_cap_and_counted_beyond_it():
    t = trajectory(*[garbage() for _ in range(MAX_STEP_ERRORS + 3)], outcome="format_errors")
    plan = TemplateReflector().reflect(t, classify(t))
    assert sum(line.startswith("step") and "did not parse" in line for line in plan.specific_errors) == (
        MAX_STEP_ERRORS
    )
    assert "... 3 more steps with errors" in plan.specific_errors


def test_the_rules_of_the_other_labels_found_join_the_system_addon():
    t, diagnosis = episode(L.HALLUCINATED_CODE)
    assert L.PREMATURE_SUBMIT in diagnosis.labels
    addon = plain(TemplateReflector().reflect(t, diagnosis).system_prompt_addon)
    assert DIRECTIVES[L.HALLUCINATED_CODE] in addon
    assert DIRECTIVES[L.PREMATURE_SUBMIT] in addon


def test_the_user_addon_summarises_the_first_steps_with_their_rewards():
    t = trajectory(*[search(f"name{i}") for i in range(6)], outcome="step_limit")
    plan = TemplateReflector(summary_steps=4).reflect(t, classify(t))
    shown = [line for line in plan.user_context_addon.splitlines() if line.startswith("- step")]
    assert shown == [f"- {describe_step(s)}" for s in t.steps[:4]]
    assert "2 more steps not shown" in plan.user_context_addon
    assert plan.improved_strategy in plan.user_context_addon


def test_the_template_reflector_is_deterministic():
    t, diagnosis = episode(L.WRONG_FILE_NAVIGATION)
    assert TemplateReflector().reflect(t, diagnosis) == TemplateReflector().reflect(t, diagnosis)


def test_a_plan_never_names_a_fix_file_the_agent_did_not_open():
    t, diagnosis = episode(L.WRONG_FILE_NAVIGATION)
    assert any("calc.py" in e.detail for f in diagnosis.findings for e in f.evidence)
    plan = TemplateReflector().reflect(t, diagnosis)
    assert not names_calc_module(plan.model_dump_json())
    assert "step 2: read util.py, which the fix does not touch and the failing tests do not import" in (
        plan.specific_errors
    )


def test_a_fix_file_the_agent_opened_may_be_named():
    plan = template_plan(L.BLIND_WRITE)
    assert names_calc_module(plan.model_dump_json())


def test_the_failing_tests_file_does_not_reveal_the_fix_file():
    t, _ = episode(L.WRONG_FILE_NAVIGATION)
    assert hidden_fix_paths(t) == ["calc.py"]


def test_a_fix_file_named_in_a_test_output_the_agent_saw_is_not_hidden():
    traceback = step({"action_type": "run_tests"}, test_output='File "calc.py", line 3, in add')
    t = trajectory(traceback, read("util.py"), submit(0.5), outcome="unresolved")
    assert hidden_fix_paths(t) == []


def test_the_plan_names_the_episode_it_was_given():
    t, diagnosis = episode(L.NEVER_TESTED)
    ref = EpisodeRef(run="baseline", task_id="calc-add", episode_index=2)
    assert TemplateReflector().reflect(t, diagnosis, episode=ref).episode == ref
    assert TemplateReflector().reflect(t, diagnosis).episode == EpisodeRef(task_id="calc-add")


def test_a_diagnosis_of_another_task_is_refused():
    t, diagnosis = episode(L.NEVER_TESTED)
    with pytest.raises(ValueError, match="classify the trajectory"):
        TemplateReflector().reflect(t, diagnosis.model_copy(update={"task_id": "other"}))


def test_an_episode_ref_of_another_task_is_refused():
    t, diagnosis = episode(L.NEVER_TESTED)
    with pytest.raises(ValueError, match="not of the trajectory's task"):
        TemplateReflector().reflect(t, diagnosis, episode=EpisodeRef(task_id="other"))


def test_both_reflectors_are_reflectors():
    reflectors: list[Reflector] = [TemplateReflector(), LLMReflector(ScriptedModel([]))]
    assert [r.name for r in reflectors] == ["template", "llm"]


def test_the_llm_reflector_uses_a_valid_structured_reply():
    t, diagnosis = episode(L.BLIND_WRITE)
    plan = LLMReflector(ScriptedModel([json.dumps(GOOD_REPLY)])).reflect(t, diagnosis)
    assert plan.reflector == "llm"
    assert plan.fallback_reason is None
    assert plan.what_went_wrong == GOOD_REPLY["what_went_wrong"]
    assert plan.plan_steps == GOOD_REPLY["plan_steps"]
    assert plan.system_prompt_addon == GOOD_REPLY["system_prompt_addon"]
    assert plan.user_context_addon.endswith(f"Improved strategy: {GOOD_REPLY['improved_strategy']}")
    assert "step 1: replace_lines on calc.py before reading it" in plan.specific_errors


def test_the_reflection_model_reads_the_diagnosis_and_the_steps():
    t, diagnosis = episode(L.BLIND_WRITE)
    model = ScriptedModel([json.dumps(GOOD_REPLY)])
    LLMReflector(model).reflect(t, diagnosis)
    report = model.calls[0][-1].content
    assert "primary failure: BLIND_WRITE" in report
    assert "step 1: replace_lines on calc.py before reading it" in report
    assert all(describe_step(s) in report for s in t.steps)


def test_the_reflection_model_is_not_shown_a_fix_file_the_agent_did_not_open():
    t, diagnosis = episode(L.WRONG_FILE_NAVIGATION)
    model = ScriptedModel([json.dumps(GOOD_REPLY)])
    LLMReflector(model).reflect(t, diagnosis)
    assert not any(names_calc_module(m.content) for m in model.calls[0])


def test_a_garbage_reply_falls_back_to_the_template_and_says_so():
    t, diagnosis = episode(L.BLIND_WRITE)
    plan = LLMReflector(ScriptedModel(["I would read the file first."])).reflect(t, diagnosis)
    assert plan.reflector == "template"
    assert plan.fallback_reason is not None and "not a JSON object" in plan.fallback_reason
    assert plan.model_copy(update={"fallback_reason": None}) == TemplateReflector().reflect(t, diagnosis)


def test_a_reply_missing_fields_falls_back_to_the_template_and_says_which():
    t, diagnosis = episode(L.BLIND_WRITE)
    reply = json.dumps({"what_went_wrong": "It guessed."})
    plan = LLMReflector(ScriptedModel([reply])).reflect(t, diagnosis)
    assert plan.reflector == "template"
    assert "not a valid plan" in (plan.fallback_reason or "")
    assert "plan_steps" in (plan.fallback_reason or "")


def test_a_failing_reflection_model_falls_back_to_the_template_and_says_so():
    def unavailable(messages):
        raise ModelUnavailableError("HTTP 503 after 3 retries")

    t, diagnosis = episode(L.NEVER_TESTED)
    plan = LLMReflector(ScriptedModel(unavailable)).reflect(t, diagnosis)
    assert plan.reflector == "template"
    assert "HTTP 503" in (plan.fallback_reason or "")
    assert DIRECTIVES[L.NEVER_TESTED] in plain(plan.system_prompt_addon)


def test_a_reply_naming_a_fix_file_the_agent_did_not_open_falls_back_without_naming_it():
    t, diagnosis = episode(L.WRONG_FILE_NAVIGATION)
    leaky = {**GOOD_REPLY, "plan_steps": ["Open calc.py and fix add."]}
    plan = LLMReflector(ScriptedModel([json.dumps(leaky)])).reflect(t, diagnosis)
    assert plan.reflector == "template"
    assert plan.fallback_reason is not None
    assert not names_calc_module(plan.model_dump_json())


def test_a_garbage_reply_naming_a_fix_file_is_not_quoted_in_the_fallback_reason():
    t, diagnosis = episode(L.WRONG_FILE_NAVIGATION)
    plan = LLMReflector(ScriptedModel(["The bug is in calc.py, surely."])).reflect(t, diagnosis)
    assert plan.fallback_reason == "the reflection reply is not a JSON object"
