"""fixloop.analysis.strategy_detector on trajectories built by hand, one behaviour per test."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from fixloop.analysis.strategy_detector import (
    Strategy,
    StrategyThresholds,
    SubPattern,
    detect_strategy,
)
from fixloop.core.step_summary import PassSummary, StepSummary
from fixloop.core.trajectory import StepRecord, TaskFacts, Trajectory

FACTS = TaskFacts(
    difficulty="easy",
    fix_paths=["calc.py"],
    relevant_files=["calc.py", "tests/test_calc.py"],
    fix_lines=2,
    step_target=5,
)


def _step(action: dict[str, Any] | None, error: str | None = None, **summary: Any) -> StepRecord:
    return StepRecord(index=0, action=action, reward=0.0, error=error, summary=StepSummary(**summary))


def _read(path: str) -> StepRecord:
    return _step({"action_type": "read_file", "path": path}, path=path)


def _view(path: str | None = None) -> StepRecord:
    return _step({"action_type": "view_code", "path": path}, path=path)


def _search(query: str) -> StepRecord:
    return _step({"action_type": "search_code", "query": query, "path": None})


def _edit(path: str) -> StepRecord:
    action = {"action_type": "replace_lines", "path": path, "start_line": 3, "end_line": 3, "new_code": "x"}
    return _step(action, path=path, lines_changed=2)


def _run(
    passed: int = 1, total: int = 2, failing: tuple[str, ...] = ("tests/test_calc.py::test_add",)
) -> StepRecord:
    tests = PassSummary(passed=passed, total=total, failing=list(failing) if passed < total else [])
    return _step({"action_type": "run_tests", "target": None}, tests=tests, test_output=f"{passed} passed")


def _passing_run() -> StepRecord:
    return _run(passed=2, total=2)


def _undo() -> StepRecord:
    return _step({"action_type": "undo_edit"})


def _submit() -> StepRecord:
    return _step({"action_type": "submit"})


def _parse_error() -> StepRecord:
    return _step(None, error="PARSE_ERROR: malformed JSON")


def _traj(*steps: StepRecord, task_facts: TaskFacts | None = FACTS) -> Trajectory:
    """A trajectory of `steps`, numbered from 1 in order."""
    return Trajectory(
        task_id="calc-add",
        agent="llm",
        reward_scheme="potential",
        sandbox="process",
        outcome="resolved",
        task_facts=task_facts,
        steps=[step.model_copy(update={"index": n}) for n, step in enumerate(steps, start=1)],
    )


# MINIMAL_EFFORT


def test_an_empty_trajectory_is_minimal_effort_with_nothing_measured() -> None:
    profile = detect_strategy(_traj())

    assert profile.strategy is Strategy.minimal_effort
    assert profile.sub_patterns == []
    assert profile.exploration_ratio == 0.0
    assert profile.pivots == 0
    assert profile.evidence == "the trajectory has no steps"


def test_a_trajectory_of_parse_errors_only_is_minimal_effort() -> None:
    profile = detect_strategy(_traj(_parse_error(), _parse_error(), _parse_error()))

    assert profile.strategy is Strategy.minimal_effort
    assert profile.exploration_ratio == 0.0
    assert profile.evidence == "none of its 3 steps was a valid action"


def test_a_couple_of_actions_without_an_edit_is_minimal_effort() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _submit()))

    assert profile.strategy is Strategy.minimal_effort
    assert (
        profile.evidence
        == "only 2 valid actions in 2 steps (step 1 read calc.py, step 2 submitted), none an edit"
    )


def test_running_the_tests_and_submitting_without_reading_is_minimal_effort() -> None:
    profile = detect_strategy(_traj(_run(), _run(), _run(), _submit()))

    assert profile.strategy is Strategy.minimal_effort
    assert "never read, searched or edited" in profile.evidence


def test_a_few_actions_with_an_edit_are_not_minimal_effort() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _edit("calc.py"), _submit()))

    assert profile.strategy is not Strategy.minimal_effort


def test_failed_actions_do_not_count_as_valid_actions() -> None:
    missing = _step({"action_type": "read_file", "path": "nope.py"}, error="no such file: nope.py")

    profile = detect_strategy(_traj(missing, missing, missing, _read("calc.py"), _submit()))

    assert profile.strategy is Strategy.minimal_effort
    assert profile.evidence.startswith("only 2 valid actions in 5 steps")


def test_unknown_or_malformed_actions_are_not_valid_actions() -> None:
    odd = [
        _step({"action_type": "fly"}),
        _step({"kind": "read_file", "path": "calc.py"}),
        _step({"action_type": 3}),
        _step({"action_type": "read_file", "path": 7}),
    ]

    profile = detect_strategy(_traj(*odd[:3], task_facts=None))
    malformed_path = detect_strategy(_traj(odd[3], task_facts=None))

    assert profile.evidence == "none of its 3 steps was a valid action"
    assert malformed_path.strategy is Strategy.minimal_effort


def test_the_minimal_effort_action_count_can_be_lowered() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _submit()), StrategyThresholds(minimal_effort_max_steps=0)
    )

    assert profile.strategy is Strategy.random_exploration


# SPEC_DRIVEN


def test_reading_a_spec_first_is_spec_driven() -> None:
    profile = detect_strategy(
        _traj(_view(), _read("SPEC.md"), _read("calc.py"), _edit("calc.py"), _passing_run())
    )

    assert profile.strategy is Strategy.spec_driven
    assert (
        profile.evidence
        == "step 2 read SPEC.md (a spec document) before any other file, then step 4 edited calc.py"
    )


def test_a_file_under_docs_counts_as_a_spec() -> None:
    profile = detect_strategy(_traj(_view("docs/cron.txt"), _read("cron.py"), _edit("cron.py")))

    assert profile.strategy is Strategy.spec_driven


def test_reading_the_spec_after_code_is_not_spec_driven() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _read("SPEC.md"), _edit("calc.py"), _passing_run()))

    assert profile.strategy is not Strategy.spec_driven


def test_spec_driven_takes_precedence_over_targeted_debugging() -> None:
    profile = detect_strategy(
        _traj(_read("SPEC.md"), _run(), _read("tests/test_calc.py"), _read("calc.py"), _edit("calc.py"))
    )

    assert profile.strategy is Strategy.spec_driven


# TARGETED_DEBUGGING


def test_failing_test_then_relevant_module_then_edit_is_targeted_debugging() -> None:
    profile = detect_strategy(
        _traj(_run(), _read("tests/test_calc.py"), _read("calc.py"), _edit("calc.py"), _passing_run())
    )

    assert profile.strategy is Strategy.targeted_debugging
    assert profile.evidence == (
        "step 1 ran the tests, step 2 read tests/test_calc.py, "
        "step 3 read calc.py (relevant to the failure), step 4 edited calc.py, step 5 re-ran the tests"
    )


def test_reading_the_failing_test_alone_is_enough_to_start_targeted_debugging() -> None:
    profile = detect_strategy(_traj(_read("tests/test_calc.py"), _view("calc.py"), _edit("calc.py")))

    assert profile.strategy is Strategy.targeted_debugging


def test_without_task_facts_a_module_named_by_the_failing_tests_is_relevant() -> None:
    profile = detect_strategy(_traj(_run(), _read("calc.py"), _edit("calc.py"), task_facts=None))

    assert profile.strategy is Strategy.targeted_debugging
    assert "step 2 read calc.py (named by the failing tests)" in profile.evidence


def test_without_task_facts_a_module_not_named_by_the_tests_is_not_targeted() -> None:
    profile = detect_strategy(_traj(_run(), _read("utils.py"), _edit("utils.py"), task_facts=None))

    assert profile.strategy is not Strategy.targeted_debugging


def test_reading_a_module_before_the_tests_is_not_targeted_debugging() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _run(), _read("tests/test_calc.py"), _read("calc.py"), _edit("calc.py"))
    )

    assert profile.strategy is not Strategy.targeted_debugging


def test_reading_the_relevant_module_only_after_editing_is_not_targeted_debugging() -> None:
    profile = detect_strategy(_traj(_run(), _edit("calc.py"), _read("calc.py"), _run()))

    assert profile.strategy is not Strategy.targeted_debugging


def test_reading_a_test_file_that_is_not_failing_does_not_start_targeted_debugging() -> None:
    profile = detect_strategy(_traj(_read("tests/test_other.py"), _read("calc.py"), _edit("calc.py")))

    assert profile.strategy is not Strategy.targeted_debugging


def test_targeted_debugging_takes_precedence_over_brute_force() -> None:
    steps = [_run(), _read("tests/test_calc.py"), _read("calc.py")] + [_edit("calc.py"), _run()] * 3

    profile = detect_strategy(_traj(*steps), StrategyThresholds(brute_force_max_reads=5))

    assert profile.strategy is Strategy.targeted_debugging


# SYSTEMATIC_SEARCH


def test_searches_that_lead_to_reads_are_systematic_search() -> None:
    profile = detect_strategy(
        _traj(_search("def add"), _read("calc.py"), _search("subtract"), _read("ops.py"), _edit("calc.py"))
    )

    assert profile.strategy is Strategy.systematic_search
    assert profile.evidence == (
        "2 searches (steps 1 and 3) guided the reads: step 2 read calc.py after searching for 'def add', "
        "step 4 read ops.py after searching for 'subtract'"
    )


def test_searches_that_lead_to_no_read_are_not_systematic_search() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _search("def add"), _search("subtract"), _edit("calc.py"), _submit())
    )

    assert profile.strategy is not Strategy.systematic_search


def test_a_single_search_is_not_systematic_search_by_default() -> None:
    profile = detect_strategy(_traj(_search("def add"), _read("calc.py"), _edit("calc.py")))

    assert profile.strategy is not Strategy.systematic_search


def test_the_systematic_search_minimum_can_be_lowered() -> None:
    profile = detect_strategy(
        _traj(_search("def add"), _read("calc.py"), _edit("calc.py")),
        StrategyThresholds(systematic_search_min_searches=1),
    )

    assert profile.strategy is Strategy.systematic_search


# BRUTE_FORCE


def test_repeated_edits_and_test_runs_with_little_reading_are_brute_force() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _edit("calc.py"), _run(), _edit("calc.py"), _run(), _submit())
    )

    assert profile.strategy is Strategy.brute_force
    assert (
        profile.evidence
        == "steps 2 and 4 edited code and steps 3 and 5 ran the tests, with 1 file read or search in all"
    )


def test_repeated_edits_after_reading_several_files_are_not_brute_force() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _read("ops.py"), _edit("calc.py"), _run(), _edit("calc.py"), _run())
    )

    assert profile.strategy is not Strategy.brute_force


def test_a_single_edit_is_not_brute_force() -> None:
    profile = detect_strategy(_traj(_edit("calc.py"), _run(), _run(), _submit()))

    assert profile.strategy is not Strategy.brute_force


def test_the_brute_force_reading_allowance_can_be_raised() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _read("ops.py"), _edit("calc.py"), _run(), _edit("calc.py"), _run()),
        StrategyThresholds(brute_force_max_reads=2),
    )

    assert profile.strategy is Strategy.brute_force


# RANDOM_EXPLORATION


def test_reading_around_without_a_lead_is_random_exploration() -> None:
    profile = detect_strategy(_traj(_read("ops.py"), _read("io.py"), _edit("ops.py"), _submit()))

    assert profile.strategy is Strategy.random_exploration
    assert profile.evidence == (
        "no failing test, spec or search led the work: "
        "steps 1 and 2 read 2 files (ops.py, io.py), step 3 edited code"
    )


def test_a_matching_strategy_is_never_reported_as_random_exploration() -> None:
    profile = detect_strategy(_traj(_run(), _read("tests/test_calc.py"), _read("calc.py"), _edit("calc.py")))

    assert profile.strategy is not Strategy.random_exploration


# SEARCH_GUIDED


def test_a_search_followed_by_an_edit_is_search_guided() -> None:
    profile = detect_strategy(_traj(_search("def add"), _run(), _edit("calc.py")))

    assert SubPattern.search_guided in profile.sub_patterns


def test_a_search_followed_by_no_read_or_edit_is_not_search_guided() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _edit("calc.py"), _search("def add"), _run(), _submit())
    )

    assert SubPattern.search_guided not in profile.sub_patterns


# READ_LOOP


def test_reading_one_file_three_times_without_editing_is_a_read_loop() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _view("calc.py"), _run(), _read("calc.py")))

    assert SubPattern.read_loop in profile.sub_patterns


def test_an_edit_between_reads_breaks_the_read_loop() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _read("calc.py"), _edit("calc.py"), _read("calc.py")))

    assert SubPattern.read_loop not in profile.sub_patterns


def test_the_read_loop_length_can_be_shortened() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _read("calc.py")), StrategyThresholds(read_loop_repeats=2)
    )

    assert SubPattern.read_loop in profile.sub_patterns


# VERIFIED_FIX


def test_passing_tests_after_the_last_edit_is_a_verified_fix() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _edit("calc.py"), _passing_run(), _submit()))

    assert SubPattern.verified_fix in profile.sub_patterns


def test_editing_after_the_last_passing_run_is_not_a_verified_fix() -> None:
    profile = detect_strategy(_traj(_edit("calc.py"), _passing_run(), _edit("calc.py"), _submit()))

    assert SubPattern.verified_fix not in profile.sub_patterns


def test_a_failing_run_after_the_last_edit_is_not_a_verified_fix() -> None:
    profile = detect_strategy(_traj(_edit("calc.py"), _run(), _submit()))

    assert SubPattern.verified_fix not in profile.sub_patterns


def test_undoing_the_edit_after_the_passing_run_is_not_a_verified_fix() -> None:
    profile = detect_strategy(_traj(_edit("calc.py"), _passing_run(), _undo(), _submit()))

    assert SubPattern.verified_fix not in profile.sub_patterns


def test_passing_tests_without_any_edit_is_not_a_verified_fix() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _passing_run(), _submit()))

    assert SubPattern.verified_fix not in profile.sub_patterns


def test_sub_patterns_are_listed_in_a_fixed_order() -> None:
    steps = [_search("add"), _read("calc.py"), _read("calc.py"), _read("calc.py"), _edit("calc.py")]

    profile = detect_strategy(_traj(*steps, _passing_run()))

    assert profile.sub_patterns == [SubPattern.search_guided, SubPattern.read_loop, SubPattern.verified_fix]


# exploration ratio and pivots


def test_exploration_ratio_is_reads_views_and_searches_over_valid_actions() -> None:
    profile = detect_strategy(
        _traj(_read("calc.py"), _view(), _search("add"), _edit("calc.py"), _run(), _parse_error())
    )

    assert profile.exploration_ratio == pytest.approx(3 / 5)


def test_pivots_count_focus_changes_between_modules_ignoring_tests() -> None:
    profile = detect_strategy(
        _traj(_read("a.py"), _read("tests/test_a.py"), _read("a.py"), _read("b.py"), _read("a.py"))
    )

    assert profile.pivots == 2


def test_pivots_count_edits_as_focus_and_ignore_specs() -> None:
    profile = detect_strategy(
        _traj(
            _read("SPEC.md"), _read("a.py"), _edit("a.py"), _read("README.md"), _read("b.py"), _edit("b.py")
        )
    )

    assert profile.pivots == 1


def test_working_on_one_module_has_no_pivots() -> None:
    profile = detect_strategy(_traj(_read("calc.py"), _edit("calc.py"), _run(), _read("calc.py")))

    assert profile.pivots == 0


# thresholds


def test_thresholds_reject_unknown_fields() -> None:
    with pytest.raises(ValidationError):
        StrategyThresholds(brute_force_min_edit=3)  # type: ignore[call-arg]


def test_thresholds_reject_out_of_range_values() -> None:
    with pytest.raises(ValidationError):
        StrategyThresholds(read_loop_repeats=1)
