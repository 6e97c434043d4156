"""Creating, finding, listing and finishing runs."""

from __future__ import annotations

import pytest

from fixloop.store import StoreError
from tests.store.sample import make_trajectory

PLAN = [("calc-add", 0), ("calc-add", 1), ("calc-div", 0), ("calc-sub", 0)]


def test_create_run_returns_the_run_with_nothing_finished(store):
    run = store.create_run("base", agent="llm", model="openai:gpt-4o-mini", config={"t": 0.0}, planned=PLAN)
    assert (run.name, run.agent, run.model, run.status) == ("base", "llm", "openai:gpt-4o-mini", "running")
    assert (run.planned, run.finished, run.resolved, run.infra_errors) == (4, 0, 0, 0)
    assert run.config == {"t": 0.0}
    assert run.created_at.tzinfo is not None


def test_a_run_is_found_by_name_and_by_id(store):
    run = store.create_run("base", agent="llm", model="m", config={}, planned=PLAN)
    assert store.get_run("base") == run
    assert store.get_run(run.id) == run
    assert store.get_run(str(run.id)) == run


def test_a_second_run_with_the_same_name_is_refused(store):
    store.create_run("base", agent="llm", model="m", config={}, planned=PLAN)
    with pytest.raises(StoreError, match="a run named 'base' already exists"):
        store.create_run("base", agent="other", model="m", config={}, planned=[])


def test_planning_an_episode_twice_is_refused(store):
    with pytest.raises(StoreError, match="planned more than once"):
        store.create_run("r", agent="a", model="m", config={}, planned=[("t", 0), ("t", 0)])


def test_an_unknown_run_error_names_the_runs_there_are(store):
    store.create_run("alpha", agent="a", model="m", config={}, planned=[])
    store.create_run("beta", agent="a", model="m", config={}, planned=[])
    with pytest.raises(StoreError, match=r"no run 'gamma'; the newest runs are: beta, alpha"):
        store.get_run("gamma")


def test_an_unknown_run_in_an_empty_store_says_the_store_is_empty(store):
    with pytest.raises(StoreError, match="has no runs"):
        store.get_run("anything")


def test_list_runs_counts_planned_finished_resolved_and_infra_errors(store):
    store.create_run("first", agent="a", model="m", config={}, planned=PLAN)
    store.create_run("second", agent="b", model="m", config={}, planned=[("x", 0)], simulated=True)
    store.add_episode("first", "calc-add", 0, make_trajectory("calc-add", "resolved"))
    store.add_episode("first", "calc-add", 1, make_trajectory("calc-add", "unresolved"))
    store.add_episode("first", "calc-div", 0, make_trajectory("calc-div", "infra_error"))
    first, second = store.list_runs()
    assert (first.name, first.planned, first.finished, first.resolved, first.infra_errors) == (
        "first",
        4,
        3,
        1,
        1,
    )
    assert (second.name, second.planned, second.finished, second.simulated) == ("second", 1, 0, True)


def test_finish_run_marks_the_run_finished(store):
    store.create_run("r", agent="a", model="m", config={}, planned=[])
    finished = store.finish_run("r")
    assert finished.status == "finished"
    assert finished.finished_at is not None
    assert store.get_run("r").status == "finished"


def test_a_config_that_is_not_json_is_refused(store):
    with pytest.raises(StoreError, match="JSON-serializable"):
        store.create_run("r", agent="a", model="m", config={"when": object()}, planned=[])
