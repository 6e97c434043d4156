"""One process at a time executes a run: a second `fixloop run --resume` of a run being
executed refuses, and a run gives its lease up however it ends."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.rollout.run_session import RunSettings, execute_run, select_tasks, start_run
from fixloop.store import Store
from fixloop.store.leases import hold_lease
from tests.calc_task import write_task_dir

runner = CliRunner()


@pytest.fixture
def planned(tmp_path, private_store) -> str:
    """An oracle run of two episodes, recorded but not executed yet."""
    settings = RunSettings(agent="oracle", path=str(write_task_dir(tmp_path / "tasks")), episodes_per_task=2)
    with Store.open(private_store) as store:
        start_run(store, "planned", settings, select_tasks(settings))
    return "planned"


def test_a_resume_of_a_run_being_executed_refuses_and_runs_nothing(planned, private_store):
    with Store.open(private_store) as store, hold_lease(store, planned):
        result = runner.invoke(app, ["run", "--resume", planned])
        assert result.exit_code == 2
        assert f"run {planned!r} is being executed by process" in result.stderr
        assert "Traceback" not in result.output
        assert store.finished_keys(planned) == set()


def test_a_run_gives_its_lease_up_when_it_ends(planned, private_store):
    result = runner.invoke(app, ["run", "--resume", planned])
    assert result.exit_code == 0, result.output
    with Store.open(private_store) as store:
        assert len(store.finished_keys(planned)) == 2
        store.acquire_lease(planned)


def test_a_run_that_fails_gives_its_lease_up(planned, private_store):
    def fail(*_: object) -> None:
        raise RuntimeError("stopped after the first episode")

    with Store.open(private_store) as store:
        info = store.get_run(planned)
        settings = RunSettings.model_validate(info.config)
        with pytest.raises(RuntimeError, match="stopped after the first episode"):
            execute_run(store, info, settings, select_tasks(settings), on_episode=fail)
        assert len(store.finished_keys(planned)) == 1
        store.acquire_lease(planned)
