"""The live stream: server-sent events of the runs that changed, read as a browser would."""

from __future__ import annotations

from fixloop.store import Store
from tests.ui.conftest import events


def test_the_stream_sends_every_run_then_only_the_runs_that_change(dashboard):
    stream = events(dashboard.base_url)
    first_name, first = next(stream)
    assert first_name == "runs"
    assert {"careless", "oracle"} <= {run["name"] for run in first}
    with Store.open(dashboard.db_url) as store:
        trajectory = store.trajectories("oracle")[0]
        store.create_run(
            "streamed",
            agent="oracle",
            model="none",
            config={},
            planned=[(trajectory.task_id, 0), ("other", 0)],
        )
        name, changed = next(stream)
        assert name == "runs"
        assert [(run["name"], run["finished"], run["planned"]) for run in changed] == [("streamed", 0, 2)]
        store.add_episode("streamed", trajectory.task_id, 0, trajectory)
        name, changed = next(stream)
        assert [(run["name"], run["finished"], run["resolve_rate"]) for run in changed] == [
            ("streamed", 1, 1.0)
        ]
    stream.close()


def test_the_runs_marker_moves_when_a_run_starts_plays_or_finishes_and_only_then(dashboard):
    with Store.open(dashboard.db_url) as store:
        trajectory = store.trajectories("oracle")[0]
        before = store.runs_marker()
        assert store.runs_marker() == before
        store.create_run("marked", agent="oracle", model="none", config={}, planned=[(trajectory.task_id, 0)])
        started = store.runs_marker()
        store.add_episode("marked", trajectory.task_id, 0, trajectory)
        played = store.runs_marker()
        store.finish_run("marked")
        finished = store.runs_marker()
    assert len({before, started, played, finished}) == 4


def test_a_runs_cost_is_the_sum_over_its_recorded_episodes(dashboard):
    with Store.open(dashboard.db_url) as store:
        episodes = store.keyed_trajectories("oracle")
        store.create_run("priced", agent="llm", model="openai:x", config={}, planned=list(episodes))
        for ((task_id, index), trajectory), cost in zip(episodes.items(), (0.25, 0.5), strict=True):
            store.add_episode("priced", task_id, index, trajectory.model_copy(update={"cost": cost}))
        assert store.run_costs()[store.get_run("priced").id] == 0.75
    _, runs = dashboard.json("/api/runs")
    assert {run["name"]: run["cost"] for run in runs}["priced"] == 0.75
