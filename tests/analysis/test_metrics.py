"""Episode metrics and their run summary, on hand-built trajectories with known values."""

import math

import pytest

from fixloop.analysis.metrics import episode_metrics, run_metrics
from fixloop.analysis.statistics import bounded_mean_ci, proportion_ci
from tests.analysis.builders import edit, garbage, read, run, search, step, submit, trajectory


def test_counts_of_reads_writes_and_test_runs():
    m = episode_metrics(
        trajectory(run(2), read("calc.py"), read("tests/test_calc.py"), edit(), run(4), submit())
    )
    assert (m.steps, m.files_read, m.files_written, m.test_runs) == (6, 2, 1, 2)
    assert m.reads_before_first_write == 2
    assert m.steps_to_first_test == 1


def test_steps_to_first_test_is_none_without_a_test_run():
    assert (
        episode_metrics(trajectory(read("calc.py"), submit(0.5), outcome="unresolved")).steps_to_first_test
        is None
    )


def test_a_re_read_is_a_read_of_a_file_already_read_and_not_edited_since():
    t = trajectory(read("calc.py"), read("calc.py"), edit(), read("calc.py"), read("calc.py"), submit())
    assert episode_metrics(t).re_reads == 2


def test_invalid_actions_and_parse_errors_are_counted_apart():
    refused = step({"action_type": "read_file", "path": "nope.py"}, error="'nope.py' does not exist")
    m = episode_metrics(trajectory(garbage(), refused, read("calc.py"), submit(0.5), outcome="unresolved"))
    assert (m.invalid_actions, m.parse_errors) == (1, 1)


def test_a_refused_read_reads_no_file():
    refused = step({"action_type": "read_file", "path": "nope.py"}, error="missing", path="nope.py")
    assert episode_metrics(trajectory(refused, submit(0.5), outcome="unresolved")).files_read == 0


def test_edit_churn_is_lines_changed_over_the_fix_size():
    m = episode_metrics(trajectory(read("calc.py"), edit(lines=6), run(4), submit()))
    assert m.lines_changed == 6
    assert m.edit_churn == 3.0


def test_edit_churn_is_unknown_without_task_facts():
    assert episode_metrics(trajectory(read("calc.py"), edit(), submit(), facts=None)).edit_churn is None


def test_action_entropy_is_zero_for_one_action_type_and_normalised_by_the_nine_types():
    assert episode_metrics(trajectory(search("a"), search("b"), outcome="unresolved")).action_entropy == 0.0
    two_kinds = episode_metrics(trajectory(search("a"), read("calc.py"), outcome="unresolved"))
    assert two_kinds.action_entropy == pytest.approx(math.log(2) / math.log(9), abs=1e-6)


def test_parse_errors_do_not_count_in_the_action_entropy():
    assert episode_metrics(trajectory(garbage(), search("a"), outcome="unresolved")).action_entropy == 0.0


def test_wasteful_ratio_is_redundant_reads_and_errors_over_steps():
    t = trajectory(read("calc.py"), read("calc.py"), garbage(), submit(0.5), outcome="unresolved")
    assert episode_metrics(t).wasteful_ratio == pytest.approx(2 / 4)


def test_verification_needs_a_test_run_after_the_last_edit():
    assert episode_metrics(trajectory(read("calc.py"), edit(), run(4), submit())).verification == 1.0
    assert episode_metrics(trajectory(read("calc.py"), run(2), edit(), submit())).verification == 0.0


def test_safety_loses_a_fifth_per_dangerous_pattern_and_never_goes_below_zero():
    one = episode_metrics(trajectory(read("calc.py"), edit(dangerous={"eval": 1}), submit()))
    assert one.safety == pytest.approx(0.8)
    many = episode_metrics(trajectory(read("calc.py"), edit(dangerous={"eval": 4, "exec": 3}), submit()))
    assert (many.dangerous_written, many.safety) == (7, 0.0)


def test_the_reliability_index_weighs_its_five_parts():
    # 4 steps = the step target; read, edit, run, submit: four kinds once each.
    m = episode_metrics(trajectory(read("calc.py"), edit(), run(4), submit()))
    entropy = math.log(4) / math.log(9)
    assert m.efficiency == 1.0
    assert m.reliability == pytest.approx(
        0.40 * 1 + 0.20 * 1 + 0.15 * (1 - entropy) + 0.15 * 1 + 0.10 * 1, abs=1e-6
    )


def test_efficiency_is_the_step_target_over_the_steps_taken():
    t = trajectory(
        read("calc.py"), read("x.py"), read("y.py"), read("z.py"), edit(), run(4), search("q"), submit()
    )
    assert episode_metrics(t).efficiency == 0.5


def test_an_empty_episode_has_zero_metrics_and_does_not_raise():
    m = episode_metrics(trajectory(outcome="agent_error"))
    assert (m.steps, m.efficiency, m.wasteful_ratio, m.action_entropy) == (0, 0.0, 0.0, 0.0)


def test_the_run_summary_leaves_out_infra_errors_and_exhausted_budgets():
    good = trajectory(read("calc.py"), edit(), run(4), submit())
    bad = trajectory(read("calc.py"), submit(0.5), outcome="unresolved")
    infra = trajectory(read("calc.py"), outcome="infra_error")
    budget = trajectory(read("calc.py"), outcome="budget_exhausted", score=0.0)
    summary = run_metrics([good, bad, infra, budget])
    assert (summary.episodes, summary.excluded, summary.resolved) == (2, 2, 1)
    assert summary.resolve_rate.value == 0.5
    assert summary.score.value == 0.5
    assert summary.means["steps"] == 3.0


def test_the_run_summary_intervals_and_consistency():
    scores = [1.0, 0.5, 0.0, 0.5]
    runs = [
        trajectory(read("calc.py"), submit(s), outcome="resolved" if s == 1 else "partial", score=s)
        for s in scores
    ]
    summary = run_metrics(runs)
    assert summary.score == bounded_mean_ci(scores)
    assert summary.resolve_rate == proportion_ci(1, 4)
    assert summary.score_consistency == pytest.approx(1 - math.sqrt(1 / 6) / 0.5)


def test_the_run_summary_score_interval_stays_inside_zero_and_one_on_few_episodes():
    scores = [0.0, 0.0, 1.0]
    runs = [
        trajectory(read("calc.py"), submit(s), outcome="resolved" if s == 1 else "unresolved", score=s)
        for s in scores
    ]
    summary = run_metrics(runs)
    for estimate in (summary.score, summary.reliability, summary.resolve_rate):
        assert 0.0 <= estimate.low <= estimate.value <= estimate.high <= 1.0


def test_a_run_with_nothing_scored_cannot_be_summarised():
    with pytest.raises(ValueError, match="no scored episode"):
        run_metrics([trajectory(outcome="infra_error")])
