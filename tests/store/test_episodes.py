"""Recording episodes: round trip, exactly once, resume, and many threads at once."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from fixloop.store import StoreError
from fixloop.store.schema import EpisodeRow, StepRow
from tests.store.sample import make_trajectory


def _run(store, planned=(("calc-add", 0), ("calc-add", 1), ("calc-div", 0))):
    return store.create_run("r", agent="llm", model="m", config={}, planned=list(planned))


def test_a_recorded_trajectory_comes_back_exactly(store):
    run = _run(store)
    trajectory = make_trajectory()
    assert store.add_episode(run, "calc-add", 0, trajectory) is True
    assert store.trajectories(run) == [trajectory]


def test_trajectories_come_back_in_the_order_they_were_added(store):
    run = _run(store)
    added = [make_trajectory("calc-div", "unresolved"), make_trajectory("calc-add", "resolved")]
    store.add_episode(run, "calc-div", 0, added[0])
    store.add_episode(run, "calc-add", 1, added[1])
    assert store.trajectories(run) == added


def test_adding_the_same_episode_twice_keeps_exactly_one(store):
    run = _run(store)
    assert store.add_episode(run, "calc-add", 0, make_trajectory(outcome="resolved")) is True
    assert store.add_episode(run, "calc-add", 0, make_trajectory(outcome="unresolved")) is False
    with store.engine.connect() as connection:
        assert connection.execute(select(func.count(EpisodeRow.id))).scalar() == 1
        assert connection.execute(select(func.count(StepRow.id))).scalar() == 4
    assert [t.outcome for t in store.trajectories(run)] == ["resolved"]


def test_finished_keys_are_the_recorded_task_and_index_pairs(store):
    run = _run(store)
    store.add_episode(run, "calc-add", 1, make_trajectory())
    store.add_episode(run, "calc-div", 0, make_trajectory("calc-div"))
    assert store.finished_keys(run) == {("calc-add", 1), ("calc-div", 0)}


def test_an_episode_outside_the_plan_is_refused(store):
    run = _run(store)
    with pytest.raises(StoreError, match=r"not in run 'r'.s plan"):
        store.add_episode(run, "calc-add", 7, make_trajectory())


def test_an_episode_under_another_task_id_is_refused(store):
    run = _run(store)
    with pytest.raises(StoreError, match="the trajectory is for task 'calc-div'"):
        store.add_episode(run, "calc-add", 0, make_trajectory("calc-div"))


def test_episodes_added_from_many_threads_are_all_recorded_once(store):
    keys = [(f"task-{i}", index) for i in range(12) for index in range(2)]
    run = store.create_run("busy", agent="a", model="m", config={}, planned=keys)

    def add(key):
        return store.add_episode(run, key[0], key[1], make_trajectory(key[0]))

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(add, keys + keys))
    assert sorted(results) == [False] * len(keys) + [True] * len(keys)
    assert store.finished_keys(run) == set(keys)
    assert store.get_run(run).finished == len(keys)


def test_an_episode_refers_to_the_agent_context_it_used(store):
    run = _run(store)
    context_id = store.add_context(
        "You fix bugs.\n- run tests first", skill_version="s3", memory_versions=["m1"]
    )
    assert store.add_context(
        "You fix bugs.\n- run tests first", skill_version="s3", memory_versions=["m1"]
    ) == (context_id)
    store.add_episode(run, "calc-add", 0, make_trajectory(), context_id=context_id)
    assert [e.context_id for e in store.episodes(run)] == [context_id]
    context = store.get_context(context_id)
    assert (context.skill_version, context.memory_versions) == ("s3", ["m1"])


def test_an_unknown_agent_context_is_refused(store):
    run = _run(store)
    with pytest.raises(StoreError, match="unknown agent context"):
        store.add_episode(run, "calc-add", 0, make_trajectory(), context_id="nope")


def test_episodes_summarize_each_recorded_episode(store):
    run = _run(store)
    store.add_episode(run, "calc-add", 0, make_trajectory())
    (episode,) = store.episodes(run)
    assert (episode.task_id, episode.episode_index, episode.outcome, episode.steps) == (
        "calc-add",
        0,
        "resolved",
        4,
    )
    assert (episode.tokens, episode.cost, episode.score) == (2452, 0.0031, 1.0)
