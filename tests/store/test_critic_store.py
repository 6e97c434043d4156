"""The critic's records in the store: Φ* per step written once, and evaluations per run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

from fixloop.store import Store, StoreError
from fixloop.store.store import MIGRATIONS_DIR, resolve_url


def point(step: int, phi: float, *, changed: bool = True) -> dict[str, Any]:
    return {
        "step": step, "phi_star": phi, "changed": changed, "passed": round(phi * 0.4), "total": 4,
        "failing": ["t.py::test_a"] if phi < 10 else [], "outcome": "partial",
    }  # fmt: skip


@pytest.fixture
def run(store: Store) -> str:
    store.create_run("r", agent="llm", model="sim:careless", config={}, planned=[("calc-add", 0)])
    return "r"


def test_ground_truth_reads_back_by_step(store: Store, run: str):
    points = [point(2, 10.0), point(0, 5.0, changed=False), point(1, 2.5)]
    assert store.add_ground_truth(run, "calc-add", 0, points) == 3
    assert store.ground_truth(run, "calc-add", 0) == sorted(points, key=lambda p: p["step"])


def test_a_step_recorded_again_keeps_its_first_measurement(store: Store, run: str):
    store.add_ground_truth(run, "calc-add", 0, [point(0, 5.0), point(1, 2.5)])
    assert store.add_ground_truth(run, "calc-add", 0, [point(1, 7.5), point(2, 10.0)]) == 1
    assert [p["phi_star"] for p in store.ground_truth(run, "calc-add", 0)] == [5.0, 2.5, 10.0]


def test_one_episode_recorded_from_many_threads_at_once_is_stored_once(store: Store, run: str):
    points = [point(step, 5.0) for step in range(5)]
    with ThreadPoolExecutor(4) as pool:
        added = list(pool.map(lambda _n: store.add_ground_truth(run, "calc-add", 0, points), range(4)))
    assert sum(added) == 5
    assert len(store.ground_truth(run, "calc-add", 0)) == 5


def test_an_episode_without_ground_truth_has_none(store: Store, run: str):
    assert store.ground_truth(run, "calc-add", 0) == []


def test_ground_truth_of_an_unknown_run_is_refused(store: Store, run: str):
    with pytest.raises(StoreError, match="no run 'other'"):
        store.add_ground_truth("other", "calc-add", 0, [point(0, 5.0)])
    with pytest.raises(StoreError, match="no run 'other'"):
        store.ground_truth("other", "calc-add", 0)


def test_a_point_missing_a_field_is_refused(store: Store, run: str):
    with pytest.raises(StoreError, match="a ground-truth point has the fields step, phi_star"):
        store.add_ground_truth(run, "calc-add", 0, [{"step": 0}])


def test_critic_evaluations_read_back_oldest_first_with_their_label(store: Store, run: str):
    store.add_critic_evaluation(run, "sim-critic:good", True, {"mae": 0.4})
    store.add_critic_evaluation(run, "llm-critic:openai:m", False, {"mae": 1.2})
    found = store.critic_evaluations(run)
    assert [(e["run"], e["critic"], e["simulated"], e["evaluation"]) for e in found] == [
        ("r", "sim-critic:good", True, {"mae": 0.4}),
        ("r", "llm-critic:openai:m", False, {"mae": 1.2}),
    ]
    assert isinstance(found[0]["created_at"], str)


def test_an_evaluation_that_is_not_json_is_refused(store: Store, run: str):
    with pytest.raises(StoreError, match="a critic evaluation must be JSON-serializable"):
        store.add_critic_evaluation(run, "sim-critic:good", True, {"when": object()})


def test_a_store_at_memory_cards_upgrades_keeping_its_runs_and_gains_the_critic_tables(db_url: str):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0006")
    engine.dispose()
    with Store.open(db_url) as store:
        assert {"critic_evaluations", "ground_truth"} <= set(inspect(store.engine).get_table_names())
        store.create_run("old", agent="llm", model="m", config={}, planned=[("calc-add", 0)])
        store.add_ground_truth("old", "calc-add", 0, [point(0, 5.0)])
        assert store.ground_truth("old", "calc-add", 0)[0]["phi_star"] == 5.0
