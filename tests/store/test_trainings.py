"""Creating, finding, listing, checkpointing and finishing skill trainings."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, insert, inspect

from fixloop.store import Store, StoreError
from fixloop.store.redaction import REDACTED
from fixloop.store.schema import RunRow
from fixloop.store.store import MIGRATIONS_DIR, resolve_url

OLD_RUN = {
    "name": "old",
    "created_at": datetime(2026, 12, 1, tzinfo=UTC),
    "status": "finished",
    "agent": "oracle",
    "model": "oracle",
    "config": {},
    "simulated": False,
    "planned": 0,
    "plan": [],
}


def test_create_training_returns_it_running_with_an_empty_state(store: Store):
    training = store.create_training("t1", config={"epochs": 3}, simulated=True)
    assert (training.name, training.status, training.config, training.simulated) == (
        "t1",
        "running",
        {"epochs": 3},
        True,
    )
    assert (training.state, training.result, training.finished_at) == ({}, None, None)
    assert training.created_at.tzinfo is not None


def test_a_training_is_found_by_name(store: Store):
    training = store.create_training("t1", config={}, simulated=False)
    assert store.get_training("t1") == training


def test_list_trainings_is_oldest_first(store: Store):
    store.create_training("zeta", config={}, simulated=False)
    store.create_training("alpha", config={}, simulated=False)
    assert [training.name for training in store.list_trainings()] == ["zeta", "alpha"]


def test_a_second_training_with_the_same_name_is_refused(store: Store):
    store.create_training("t1", config={}, simulated=False)
    with pytest.raises(StoreError, match="training 't1' already exists"):
        store.create_training("t1", config={"epochs": 1}, simulated=True)


def test_an_unknown_training_error_names_the_trainings_there_are(store: Store):
    store.create_training("alpha", config={}, simulated=False)
    store.create_training("beta", config={}, simulated=False)
    with pytest.raises(StoreError, match=r"no training named 'gamma'; the newest trainings are: beta, alpha"):
        store.get_training("gamma")


def test_an_unknown_training_in_an_empty_store_says_the_store_has_none(store: Store):
    with pytest.raises(StoreError, match=r"no training named 'gamma'.*has no trainings"):
        store.get_training("gamma")


def test_secrets_in_a_training_config_are_redacted(store: Store):
    store.create_training("t1", config={"api_key": "abc", "model": "gpt"}, simulated=False)
    assert store.get_training("t1").config == {"api_key": REDACTED, "model": "gpt"}


def test_a_config_that_is_not_json_is_refused(store: Store):
    with pytest.raises(StoreError, match="JSON-serializable"):
        store.create_training("t1", config={"when": object()}, simulated=False)


def test_saving_state_replaces_the_previous_state(store: Store):
    store.create_training("t1", config={}, simulated=False)
    store.save_training_state("t1", {"epoch": 1, "incumbent": "aaaa"})
    store.save_training_state("t1", {"epoch": 2})
    assert store.get_training("t1").state == {"epoch": 2}


def test_saving_the_state_of_an_unknown_training_is_refused(store: Store):
    with pytest.raises(StoreError, match="no training named 't1'"):
        store.save_training_state("t1", {"epoch": 1})


def test_finish_training_sets_status_result_and_finished_at(store: Store):
    store.create_training("t1", config={}, simulated=False)
    finished = store.finish_training("t1", status="stopped", result={"best": "aaaa", "epochs": 2})
    assert (finished.status, finished.result) == ("stopped", {"best": "aaaa", "epochs": 2})
    assert finished.finished_at is not None
    assert store.get_training("t1") == finished


def test_a_training_ends_only_as_finished_or_stopped(store: Store):
    store.create_training("t1", config={}, simulated=False)
    with pytest.raises(StoreError, match="finished, stopped, not 'done'"):
        store.finish_training("t1", status="done", result={})


def test_a_store_at_run_leases_upgrades_keeping_its_runs_and_gains_the_training_tables(db_url: str):
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    engine = create_engine(resolve_url(db_url))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0004")
        connection.execute(insert(RunRow.__table__).values(OLD_RUN))
    engine.dispose()

    with Store.open(db_url) as store:
        assert [run.name for run in store.list_runs()] == ["old"]
        assert {"trainings", "skill_versions", "ledger_entries"} <= set(
            inspect(store.engine).get_table_names()
        )
        store.create_training("t1", config={}, simulated=False)
        assert store.append_ledger("t1", 0, {"verdict": "adopt"})
