"""The improvement plan's pieces: step lines, the user addon, and how a retry injects the plan."""

import pytest
from pydantic import ValidationError

from fixloop.agents.context import AgentContext
from fixloop.agents.prompt import system_prompt
from fixloop.analysis.failure_classifier import FailureLabel
from fixloop.improve.improvement_plan import (
    EpisodeRef,
    ImprovementPlan,
    describe_step,
    render_retry_context,
    render_user_addon,
)
from tests.analysis.builders import edit, garbage, read, run, search, step, submit, trajectory, view


def numbered(*steps):
    return trajectory(*steps, outcome="unresolved").steps


def plan(**changes) -> ImprovementPlan:
    fields = {
        "episode": EpisodeRef(run="baseline", task_id="calc-add", episode_index=0),
        "failure_label": FailureLabel.NEVER_TESTED,
        "outcome": "unresolved",
        "original_score": 0.0,
        "what_went_wrong": "It submitted untested code.",
        "specific_errors": ["step 3: submitted with no test run since the edit at step 2"],
        "improved_strategy": "Run the tests after every edit and submit only on a pass.",
        "plan_steps": ["Run the tests.", "Fix the bug.", "Run the tests again."],
        "system_prompt_addon": "Run the tests after every edit.",
        "user_context_addon": "Your previous attempt ended unresolved.",
        "reflector": "template",
    }
    return ImprovementPlan(**{**fields, **changes})


def test_a_read_is_described_by_its_file_and_reward():
    (line,) = numbered(read("calc.py").model_copy(update={"reward": 0.1}))
    assert describe_step(line) == "step 1: read_file calc.py (reward +0.10)"


def test_an_edit_is_described_by_its_file_and_lines():
    assert describe_step(numbered(edit())[0]) == "step 1: replace_lines calc.py lines 3-3 (reward +0.00)"


def test_a_view_and_a_search_say_where_they_looked():
    first, second = numbered(view("calc.py"), search("add"))
    assert describe_step(first) == "step 1: view_code calc.py lines 1-end (reward +0.00)"
    assert describe_step(second) == "step 2: search_code 'add' (reward +0.00)"


def test_a_test_run_is_described_by_its_pass_count():
    assert describe_step(numbered(run(3))[0]) == "step 1: run_tests: 3/4 passed (reward +0.00)"


def test_a_reply_that_did_not_parse_is_described_with_its_error():
    line = describe_step(numbered(garbage())[0])
    assert line == "step 1: the reply did not parse as an action, error: PARSE_ERROR: not JSON (reward -0.10)"


def test_a_refused_action_is_described_with_its_error_on_one_line():
    refused = step({"action_type": "read_file", "path": "nope.py"}, error="no such file:\n  nope.py")
    assert describe_step(numbered(refused)[0]) == (
        "step 1: read_file nope.py, error: no such file: nope.py (reward +0.00)"
    )


def test_the_user_addon_gives_the_score_the_failure_and_the_strategy():
    t = trajectory(read("calc.py"), edit(), submit(0.5), outcome="unresolved", score=0.25)
    addon = render_user_addon(t, FailureLabel.NEVER_TESTED, "Run the tests after every edit.")
    assert "ended unresolved with score 0.25" in addon
    assert "NEVER_TESTED" in addon
    assert addon.endswith("Improved strategy: Run the tests after every edit.")


def test_the_user_addon_lists_each_step_with_its_reward():
    t = trajectory(read("calc.py"), edit(), submit(0.5), outcome="unresolved")
    addon = render_user_addon(t, FailureLabel.NEVER_TESTED, "Test.")
    assert [line for line in addon.splitlines() if line.startswith("- step")] == [
        f"- {describe_step(s)}" for s in t.steps
    ]


def test_the_user_addon_summarises_only_the_first_steps_and_counts_the_rest():
    t = trajectory(*[search(f"name{i}") for i in range(12)], outcome="step_limit")
    addon = render_user_addon(t, FailureLabel.STEP_LIMIT, "Hurry.", max_steps=8)
    step_lines = [line for line in addon.splitlines() if line.startswith("- step")]
    assert [line.split(":")[0] for line in step_lines] == [f"- step {i}" for i in range(1, 9)]
    assert "first 8 of 12 steps" in addon
    assert "- ... 4 more steps not shown" in addon


def test_the_user_addon_of_an_episode_without_steps_says_so():
    addon = render_user_addon(trajectory(outcome="agent_error"), FailureLabel.UNRESOLVED, "Try.")
    assert "It took no steps." in addon


def test_the_retry_context_is_the_system_addon_and_the_user_addon():
    assert render_retry_context(plan()) == (
        "Run the tests after every edit.",
        "Your previous attempt ended unresolved.",
    )


def test_the_system_addon_lands_under_the_prompts_previous_attempt_heading_once():
    system_addon, _ = render_retry_context(plan())
    prompt = system_prompt(AgentContext(retry_notes=system_addon))
    feedback = prompt.split("## Previous attempt feedback\n", 1)[1]
    assert "what to do instead:\n\nRun the tests after every edit." in feedback
    assert prompt.count("## Previous attempt feedback") == 1


def test_a_plan_needs_at_least_one_step():
    with pytest.raises(ValidationError):
        plan(plan_steps=[])


def test_a_plan_names_its_reflector_as_template_or_llm():
    with pytest.raises(ValidationError):
        plan(reflector="oracle")


def test_a_plan_survives_a_json_round_trip():
    original = plan(reflector="template", fallback_reason="the reflection model failed")
    assert ImprovementPlan.model_validate_json(original.model_dump_json()) == original
