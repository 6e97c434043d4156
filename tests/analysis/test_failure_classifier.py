"""The failure classifier on hand-built trajectories: every label, matching and not."""

from fixloop.analysis.failure_classifier import ClassifierThresholds, FailureLabel, Severity, classify
from tests.analysis.builders import edit, garbage, read, run, search, submit, trajectory, view

L = FailureLabel


def clean_fix(**kwargs):
    """Run the tests, read the module, fix it, verify, submit."""
    return trajectory(run(2), read("calc.py"), edit(), run(4), submit(), **kwargs)


def labels(t, **thresholds):
    return classify(t, ClassifierThresholds(**thresholds) if thresholds else None).labels


def evidence_steps(t, label):
    finding = next(f for f in classify(t).findings if f.label is label)
    return [e.step for e in finding.evidence]


def test_a_clean_verified_fix_is_correct_and_nothing_else():
    diagnosis = classify(clean_fix())
    assert diagnosis.primary is L.CORRECT
    assert diagnosis.labels == [L.CORRECT]
    assert diagnosis.agent_fault


def test_an_infra_error_is_primary_and_not_the_agents_fault():
    diagnosis = classify(trajectory(read("calc.py"), outcome="infra_error", error="sandbox died"))
    assert diagnosis.primary is L.INFRA_ERROR
    assert diagnosis.findings[0].evidence[0].detail == "sandbox died"
    assert not diagnosis.agent_fault


def test_an_exhausted_budget_is_primary_and_not_the_agents_fault():
    diagnosis = classify(trajectory(read("calc.py"), outcome="budget_exhausted", error="run budget spent"))
    assert diagnosis.primary is L.BUDGET_EXHAUSTED
    assert not diagnosis.agent_fault


def test_an_ordinary_failure_is_the_agents_fault():
    assert classify(trajectory(read("calc.py"), submit(0.5), outcome="unresolved")).agent_fault


def test_reading_two_irrelevant_modules_and_never_the_fix_is_wrong_file_navigation():
    t = trajectory(read("util.py"), read("io_helpers.py"), submit(0.5), outcome="unresolved")
    assert classify(t).primary is L.WRONG_FILE_NAVIGATION
    assert evidence_steps(t, L.WRONG_FILE_NAVIGATION) == [1, 2, None]


def test_reading_the_fix_file_is_not_wrong_file_navigation():
    t = trajectory(read("util.py"), read("io_helpers.py"), read("calc.py"), submit(0.5), outcome="unresolved")
    assert L.WRONG_FILE_NAVIGATION not in labels(t)


def test_reading_test_files_is_not_wrong_file_navigation():
    t = trajectory(read("tests/test_calc.py"), read("tests/conftest.py"), submit(0.5), outcome="unresolved")
    assert L.WRONG_FILE_NAVIGATION not in labels(t)


def test_one_irrelevant_read_is_under_the_wrong_file_threshold_but_a_lower_threshold_catches_it():
    t = trajectory(read("util.py"), submit(0.5), outcome="unresolved")
    assert L.WRONG_FILE_NAVIGATION not in labels(t)
    assert L.WRONG_FILE_NAVIGATION in labels(t, irrelevant_reads=1)


def test_without_task_facts_wrong_file_navigation_is_not_judged():
    t = trajectory(read("util.py"), read("io_helpers.py"), submit(0.5), outcome="unresolved", facts=None)
    assert L.WRONG_FILE_NAVIGATION not in labels(t)


def test_editing_a_file_before_reading_it_is_a_blind_write():
    t = trajectory(edit(), run(4), submit())
    assert classify(t).primary is L.BLIND_WRITE
    assert evidence_steps(t, L.BLIND_WRITE) == [1]


def test_a_blind_write_keeps_a_resolved_episode_from_being_correct():
    assert L.CORRECT not in labels(trajectory(edit(), run(4), submit()))


def test_editing_after_a_view_is_not_a_blind_write():
    assert L.BLIND_WRITE not in labels(trajectory(view("calc.py"), edit(), run(4), submit()))


def test_creating_a_new_file_is_not_a_blind_write():
    assert L.BLIND_WRITE not in labels(trajectory(edit("helpers.py", new=True), read("calc.py"), submit(0.5)))


def test_writing_a_dangerous_pattern_is_a_security_violation():
    t = trajectory(read("calc.py"), edit(dangerous={"os.system": 1}), run(4), submit())
    assert classify(t).primary is L.SECURITY_VIOLATION
    assert "os.system" in classify(t).findings[0].evidence[0].detail


def test_safe_edits_are_no_security_violation():
    assert L.SECURITY_VIOLATION not in labels(clean_fix())


def test_an_edit_that_lowers_the_pass_rate_is_hallucinated_code():
    t = trajectory(
        run(2), read("calc.py"), edit(pass_fraction=0.5), run(1), submit(0.25), outcome="unresolved"
    )
    assert L.HALLUCINATED_CODE in labels(t)
    assert evidence_steps(t, L.HALLUCINATED_CODE) == [4]


def test_an_edit_that_leaves_the_pass_rate_below_the_threshold_is_hallucinated_code():
    t = trajectory(
        run(0), read("calc.py"), edit(pass_fraction=0.0), run(1), submit(0.25), outcome="unresolved"
    )
    assert L.HALLUCINATED_CODE in labels(t)
    assert L.HALLUCINATED_CODE not in labels(t, low_pass_rate=0.2)


def test_an_edit_that_raises_the_pass_rate_is_not_hallucinated_code():
    assert L.HALLUCINATED_CODE not in labels(clean_fix())


def test_the_submit_grade_measures_an_edit_no_test_run_followed():
    t = trajectory(run(2), read("calc.py"), edit(pass_fraction=0.5), submit(0.0), outcome="unresolved")
    assert L.HALLUCINATED_CODE in labels(t)


def test_submitting_edits_without_a_test_run_after_them_is_never_tested():
    t = trajectory(read("calc.py"), edit(), submit())
    assert L.NEVER_TESTED in labels(t)
    assert evidence_steps(t, L.NEVER_TESTED) == [3]


def test_testing_before_but_not_after_the_last_edit_is_never_tested():
    t = trajectory(read("calc.py"), edit(), run(4), edit(), submit())
    assert L.NEVER_TESTED in labels(t)


def test_a_test_run_after_the_last_edit_is_tested():
    assert L.NEVER_TESTED not in labels(clean_fix())


def test_submitting_without_any_edit_is_not_never_tested():
    assert L.NEVER_TESTED not in labels(trajectory(read("calc.py"), submit(0.5), outcome="unresolved"))


def test_a_never_tested_resolved_episode_is_still_primarily_correct():
    diagnosis = classify(trajectory(read("calc.py"), edit(), submit()))
    assert diagnosis.primary is L.CORRECT
    assert diagnosis.labels == [L.CORRECT, L.NEVER_TESTED]


def test_reading_a_file_three_times_without_editing_it_is_looping():
    t = trajectory(read("calc.py"), run(2), read("calc.py"), search("add"), read("calc.py"), submit(0.5))
    assert L.LOOPING_BEHAVIOR in labels(t)
    assert evidence_steps(t, L.LOOPING_BEHAVIOR) == [5]


def test_re_reading_a_file_after_editing_it_is_not_looping():
    t = trajectory(read("calc.py"), read("calc.py"), edit(), read("calc.py"), run(4), submit())
    assert L.LOOPING_BEHAVIOR not in labels(t)


def test_the_same_action_three_times_in_a_row_is_looping():
    t = trajectory(search("add"), search("add"), search("add"), submit(0.5), outcome="unresolved")
    assert evidence_steps(t, L.LOOPING_BEHAVIOR) == [3]


def test_three_different_searches_in_a_row_are_not_looping():
    t = trajectory(
        search("add"), search("sub"), search("mul"), read("calc.py"), submit(0.5), outcome="unresolved"
    )
    assert L.LOOPING_BEHAVIOR not in labels(t)


def test_an_agent_stopped_for_looping_is_labelled_looping():
    t = trajectory(read("calc.py"), outcome="looping", score=0.0, error="the same action 3 times")
    assert L.LOOPING_BEHAVIOR in labels(t)


def test_submitting_after_a_failing_test_run_is_premature():
    t = trajectory(read("calc.py"), edit(), run(3), submit(0.75), outcome="partial", score=0.5)
    assert L.PREMATURE_SUBMIT in labels(t)
    assert evidence_steps(t, L.PREMATURE_SUBMIT) == [4]


def test_submitting_after_a_passing_test_run_is_not_premature():
    assert L.PREMATURE_SUBMIT not in labels(clean_fix())


def test_parse_errors_that_end_the_episode_are_format_errors():
    t = trajectory(read("calc.py"), garbage(), garbage(), outcome="format_errors", score=0.0)
    assert classify(t).primary is L.FORMAT_ERRORS
    assert evidence_steps(t, L.FORMAT_ERRORS) == [2, 3]


def test_parse_errors_that_dominate_the_episode_are_format_errors():
    t = trajectory(garbage(), garbage(), read("calc.py"), submit(0.5), outcome="unresolved")
    assert L.FORMAT_ERRORS in labels(t)


def test_a_single_parse_error_in_a_long_episode_is_not_format_errors():
    t = trajectory(garbage(), run(2), read("calc.py"), edit(), run(4), submit())
    assert L.FORMAT_ERRORS not in labels(t)


def test_a_broken_pass_to_pass_test_is_a_regression():
    t = trajectory(
        read("calc.py"),
        edit(),
        run(3),
        submit(0.75),
        outcome="unresolved",
        broken=["tests/test_calc.py::test_double"],
    )
    finding = next(f for f in classify(t).findings if f.label is L.REGRESSION)
    assert finding.evidence[0].step == 4
    assert "test_double" in finding.evidence[0].detail


def test_no_broken_pass_to_pass_test_is_no_regression():
    assert L.REGRESSION not in labels(clean_fix())


def test_reading_over_fifty_thousand_characters_unresolved_is_context_overflow():
    t = trajectory(
        read("big.py", chars=30_000), read("calc.py", chars=25_000), submit(0.5), outcome="unresolved"
    )
    assert L.CONTEXT_OVERFLOW in labels(t)


def test_reading_a_lot_and_resolving_is_not_context_overflow():
    t = trajectory(run(2), read("calc.py", chars=60_000), edit(), run(4), submit())
    assert L.CONTEXT_OVERFLOW not in labels(t)


def test_running_out_of_steps_is_a_step_limit():
    t = trajectory(read("calc.py"), edit(), run(3), outcome="partial", score=0.5)
    assert L.STEP_LIMIT in labels(t)
    assert evidence_steps(t, L.STEP_LIMIT) == [3]


def test_the_agents_own_step_or_time_limit_is_a_step_limit():
    assert L.STEP_LIMIT in labels(trajectory(read("calc.py"), outcome="wall_time", score=0.0))


def test_a_submitted_episode_is_no_step_limit():
    assert L.STEP_LIMIT not in labels(clean_fix())


def test_an_unresolved_episode_no_rule_explains_is_unresolved():
    diagnosis = classify(trajectory(read("calc.py"), submit(0.5), outcome="unresolved"))
    assert diagnosis.labels == [L.UNRESOLVED]


def test_the_primary_label_is_the_most_severe():
    t = trajectory(edit(), run(1), read("a.py"), read("b.py"), submit(0.25), outcome="unresolved")
    diagnosis = classify(t)
    assert diagnosis.primary is L.WRONG_FILE_NAVIGATION
    assert [f.severity for f in diagnosis.findings][:2] == [Severity.critical, Severity.critical]
    assert L.HALLUCINATED_CODE in diagnosis.labels


def test_every_label_carries_evidence():
    t = trajectory(
        edit(dangerous={"eval": 1}), garbage(), garbage(), garbage(), run(0), outcome="format_errors"
    )
    assert all(finding.evidence for finding in classify(t).findings)


def test_an_empty_trajectory_is_classified_without_error():
    assert classify(trajectory(outcome="agent_error", error="boom")).primary is L.UNRESOLVED


def test_submitting_an_edit_made_after_a_failing_run_is_never_tested_not_premature():
    t = trajectory(run(2), read("calc.py"), edit(), submit(0.5), outcome="unresolved")
    assert L.NEVER_TESTED in labels(t)
    assert L.PREMATURE_SUBMIT not in labels(t)
