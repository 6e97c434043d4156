"""The migrations build exactly the schema the ORM classes describe."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect, text

from fixloop.core.trajectory import StepRecord
from fixloop.store.schema import Base, StepRow
from fixloop.store.store import MIGRATIONS_DIR, Store


def _alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def test_the_migrated_schema_matches_the_orm_metadata(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_database_is_at_the_newest_migration(store):
    with store.engine.connect() as connection:
        head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
        assert MigrationContext.configure(connection).get_current_revision() == head


def test_every_step_record_field_has_a_steps_column():
    # A StepRecord field without a column would be silently dropped by the store.
    assert set(StepRecord.model_fields) <= set(inspect(StepRow).columns.keys())


def test_a_store_made_before_step_summaries_upgrades_and_keeps_its_steps(tmp_path, calc_task):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    config = _alembic_config()
    engine = create_engine(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
        connection.execute(
            text(
                "INSERT INTO runs (id, name, created_at, status, agent, model, config, simulated,"
                " planned, plan)"
                " VALUES (1, 'old', '2026-11-01', 'finished', 'oracle', 'oracle', '{}', 0, 1, :plan)"
            ),
            {"plan": f'[["{calc_task.id}", 0]]'},
        )
        connection.execute(
            text(
                "INSERT INTO episodes (id, run_id, task_id, episode_index, outcome, score, total_reward,"
                " seconds, simulated, trajectory, tokens, cost, created_at) VALUES (1, 1, :task, 0,"
                " 'resolved', 1.0, 1.0, 0.5, 0, :trajectory, 0, 0.0, '2026-11-01')"
            ),
            {
                "task": calc_task.id,
                "trajectory": '{"agent": "oracle", "reward_scheme": "potential", "sandbox": "bwrap"}',
            },
        )
        connection.execute(
            text(
                'INSERT INTO steps (episode_id, "index", action, reward, done, seconds, tokens, cost)'
                ' VALUES (1, 1, \'{"action_type": "submit"}\', 1.0, 1, 0.1, 0, 0.0)'
            )
        )
    engine.dispose()

    with Store.open(url) as store:
        (trajectory,) = store.trajectories("old")
    assert trajectory.steps[0].action == {"action_type": "submit"}
    assert trajectory.steps[0].summary.diff is None
    assert trajectory.task_facts is None
