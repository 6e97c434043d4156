"""A run records each agent context it uses, so a stored trajectory's `context_version`
resolves to the prompt pieces the agent was actually given."""

from __future__ import annotations

import pytest

from fixloop.agents.context import AgentContext
from fixloop.rollout.run_session import RunSettings, execute_jobs, execute_run, start_run, stored_context
from fixloop.rollout.runner import EpisodeJob
from fixloop.store import Store, StoreError
from tests.calc_task import make_calc_task

TRAINED = AgentContext(
    base_prompt="You repair Python bugs; read the failing test first.",
    skill="- R1: run the failing test before editing.",
    memory_cards=["Operators are often swapped in arithmetic helpers."],
    retry_notes="Last time the edit touched the test file; edit calc.py instead.",
)


@pytest.fixture
def store(private_store):
    with Store.open(private_store) as opened:
        yield opened


def simulated_settings() -> RunSettings:
    return RunSettings(agent="llm", model="sim:strong", concurrency=1, sandbox="process", warm_sandbox=False)


def test_a_trajectory_context_version_resolves_to_the_pieces_the_agent_was_given(store):
    task, settings = make_calc_task(), simulated_settings()
    run = start_run(store, "trained", settings, [task])
    execute_jobs(store, run, settings, [EpisodeJob(task, 0, TRAINED)])

    [trajectory] = store.trajectories(run)
    assert trajectory.context_version == TRAINED.version_id
    assert stored_context(store, trajectory.context_version) == TRAINED
    assert [e.context_id for e in store.episodes(run)] == [TRAINED.version_id]


def test_a_run_without_a_context_records_the_default_one(store):
    task, settings = make_calc_task(), simulated_settings()
    run = start_run(store, "default", settings, [task])
    execute_run(store, run, settings, [task])

    [trajectory] = store.trajectories(run)
    assert trajectory.context_version is not None
    assert stored_context(store, trajectory.context_version) == AgentContext()


def test_an_agent_without_a_context_refers_to_none(store):
    task, settings = make_calc_task(), RunSettings(agent="oracle", sandbox="process", warm_sandbox=False)
    run = start_run(store, "oracle", settings, [task])
    execute_run(store, run, settings, [task])

    assert [e.context_id for e in store.episodes(run)] == [None]


def test_an_unknown_context_version_is_a_clear_error(store):
    with pytest.raises(StoreError, match="no agent context version 'abc123'"):
        stored_context(store, "abc123")
