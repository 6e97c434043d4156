"""A run's diagnosis: distributions, worst tasks and examples."""

from fixloop.analysis.run_diagnosis import diagnose_run
from tests.analysis.builders import edit, read, run, submit, trajectory


def _named(t, task_id):
    return t.model_copy(update={"task_id": task_id})


def make_run():
    return [
        _named(trajectory(run(2), read("calc.py"), edit(), run(4), submit()), "good"),
        _named(trajectory(edit(), submit(0.0), outcome="unresolved"), "blind"),
        _named(trajectory(read("calc.py"), submit(0.5), outcome="partial", score=0.5), "half"),
        _named(trajectory(read("calc.py"), outcome="infra_error", error="sandbox died"), "broken"),
    ]


def test_label_and_strategy_distributions_cover_every_episode():
    diagnosis = diagnose_run("r", make_run(), agent="llm", model="m", simulated=False)
    assert sum(diagnosis.primary_labels.values()) == 4
    assert diagnosis.primary_labels["BLIND_WRITE"] == 1
    assert diagnosis.primary_labels["INFRA_ERROR"] == 1
    assert sum(diagnosis.strategies.values()) == 4


def test_metrics_leave_out_what_is_not_the_agents_fault():
    metrics = diagnose_run("r", make_run(), agent="llm", model="m", simulated=False).metrics
    assert (metrics.episodes, metrics.excluded, metrics.resolved) == (3, 1, 1)


def test_worst_tasks_are_unresolved_scored_tasks_lowest_score_first():
    worst = diagnose_run("r", make_run(), agent="llm", model="m", simulated=False).worst_tasks
    assert [t.task_id for t in worst] == ["blind", "half"]


def test_each_label_has_an_example_with_evidence():
    diagnosis = diagnose_run("r", make_run(), agent="llm", model="m", simulated=False)
    assert diagnosis.examples["BLIND_WRITE"].task_id == "blind"
    assert diagnosis.examples["BLIND_WRITE"].evidence[0].step == 1


def test_a_run_of_simulated_trajectories_is_simulated():
    trajectories = [t.model_copy(update={"simulated": True}) for t in make_run()]
    assert diagnose_run("r", trajectories, agent="llm", model="sim", simulated=False).simulated


def test_an_empty_run_has_no_metrics_and_empty_distributions():
    diagnosis = diagnose_run("r", [], agent="llm", model="m", simulated=False)
    assert diagnosis.metrics is None
    assert diagnosis.primary_labels == {}
