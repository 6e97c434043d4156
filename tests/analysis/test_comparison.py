"""Comparing runs: shared tasks, pass@k, breakdowns and paired statistics."""

import pytest

from fixloop.analysis import comparison as comparison_module
from fixloop.analysis.comparison import RunInput, compare_runs
from fixloop.analysis.failure_classifier import Diagnosis, FailureLabel, classify
from fixloop.analysis.statistics import pass_at_k
from tests.analysis.builders import FACTS, edit, read, run, submit, trajectory


def episode(task_id, resolved, *, tags=("arithmetic",), difficulty="easy", outcome=None):
    facts = FACTS.model_copy(update={"tags": list(tags), "difficulty": difficulty})
    if resolved:
        t = trajectory(run(2), read("calc.py"), edit(), run(4), submit(), facts=facts)
    else:
        t = trajectory(read("calc.py"), submit(0.5), outcome=outcome or "unresolved", facts=facts)
    return t.model_copy(update={"task_id": task_id})


def test_only_tasks_every_run_has_are_compared():
    a = RunInput("a", [episode("t1", True), episode("t2", True)])
    b = RunInput("b", [episode("t2", False), episode("t3", True)])
    comparison = compare_runs([a, b])
    assert comparison.tasks == ["t2"]
    assert [row.episodes for row in comparison.runs] == [1, 1]


def test_infra_errors_are_left_out_of_the_comparison():
    a = RunInput("a", [episode("t1", True), episode("t2", True)])
    b = RunInput("b", [episode("t1", False), episode("t2", False, outcome="infra_error")])
    assert compare_runs([a, b]).tasks == ["t1"]


def test_pass_at_k_uses_every_episode_of_a_task():
    a = RunInput("a", [episode("t1", True), episode("t1", False), episode("t1", False)])
    b = RunInput("b", [episode("t1", False), episode("t1", False)])
    row_a, row_b = compare_runs([a, b]).runs
    assert set(row_a.pass_at_k) == {1, 2, 3}
    assert row_a.pass_at_k[2] == pytest.approx(pass_at_k(3, 1, 2))
    assert row_b.pass_at_k == {1: 0.0, 2: 0.0}


def test_breakdowns_count_resolved_episodes_by_difficulty_tag_and_label():
    a = RunInput(
        "a", [episode("t1", True, difficulty="easy"), episode("t2", True, tags=["io"], difficulty="hard")]
    )
    b = RunInput(
        "b", [episode("t1", False, difficulty="easy"), episode("t2", True, tags=["io"], difficulty="hard")]
    )
    rows = {(r.dimension, r.key): r.counts for r in compare_runs([a, b]).breakdowns}
    assert rows[("difficulty", "easy")] == {"a": (1, 1), "b": (0, 1)}
    assert rows[("tag", "io")] == {"a": (1, 1), "b": (1, 1)}
    assert rows[("failure label", "CORRECT")] == {"a": (2, 2), "b": (1, 1)}
    assert rows[("failure label", "UNRESOLVED")] == {"b": (0, 1)}


def test_every_pair_of_runs_is_tested():
    runs = [RunInput(name, [episode("t1", True)]) for name in ("a", "b", "c")]
    assert [(p.a, p.b) for p in compare_runs(runs).pairs] == [("a", "b"), ("a", "c"), ("b", "c")]


def test_a_task_counts_as_resolved_when_half_its_episodes_are():
    a = RunInput("a", [episode("t1", True), episode("t1", False)])
    b = RunInput("b", [episode("t1", False), episode("t1", False)])
    (pair,) = compare_runs([a, b]).pairs
    assert (pair.test.a_only, pair.test.b_only) == (1, 0)
    assert pair.score_difference.value == pytest.approx(0.5)


def test_a_simulated_run_is_marked():
    comparison = compare_runs(
        [RunInput("a", [episode("t1", True)]), RunInput("sim", [episode("t1", True)], True)]
    )
    assert comparison.simulated == ["sim"]


def test_comparing_fewer_than_two_runs_or_repeated_names_is_refused():
    with pytest.raises(ValueError, match="at least two"):
        compare_runs([RunInput("a", [episode("t1", True)])])
    with pytest.raises(ValueError, match="repeat"):
        compare_runs([RunInput("a", [episode("t1", True)]), RunInput("a", [episode("t1", True)])])


def _refuse_to_classify(trajectory, thresholds=None):
    raise AssertionError("compare_runs classified an episode it was given a diagnosis of")


def test_given_diagnoses_are_used_and_episodes_are_not_classified_again(monkeypatch):
    a = RunInput("a", [episode("t1", True), episode("t2", False)])
    b = RunInput("b", [episode("t1", False), episode("t2", False)])
    diagnoses = {run.name: [classify(t) for t in run.trajectories] for run in (a, b)}
    expected = {(r.dimension, r.key): r.counts for r in compare_runs([a, b]).breakdowns}
    monkeypatch.setattr(comparison_module, "classify", _refuse_to_classify)

    given = {(r.dimension, r.key): r.counts for r in compare_runs([a, b], diagnoses=diagnoses).breakdowns}

    assert given == expected


def test_the_failure_label_breakdown_counts_the_given_primary_labels():
    a = RunInput("a", [episode("t1", False)])
    b = RunInput("b", [episode("t1", False)])
    looping = Diagnosis(
        task_id="t1", outcome="unresolved", primary=FailureLabel.LOOPING_BEHAVIOR, findings=[]
    )
    diagnoses = {"a": [looping], "b": [classify(b.trajectories[0])]}

    rows = {(r.dimension, r.key): r.counts for r in compare_runs([a, b], diagnoses=diagnoses).breakdowns}

    assert rows[("failure label", "LOOPING_BEHAVIOR")] == {"a": (0, 1)}


def test_diagnoses_that_miss_a_run_or_an_episode_are_refused():
    a = RunInput("a", [episode("t1", True)])
    b = RunInput("b", [episode("t1", False), episode("t1", False)])
    one = [classify(a.trajectories[0])]
    with pytest.raises(ValueError, match="name no run 'b'"):
        compare_runs([a, b], diagnoses={"a": one})
    with pytest.raises(ValueError, match="2 trajectories but 1 diagnoses"):
        compare_runs([a, b], diagnoses={"a": one, "b": one})
