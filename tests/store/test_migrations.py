"""The migrations build exactly the schema the ORM classes describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from fixloop.rollout.trajectory import StepRecord
from fixloop.store.schema import Base, StepRow


def test_the_migrated_schema_matches_the_orm_metadata(store):
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []


def test_the_database_is_at_the_newest_migration(store):
    with store.engine.connect() as connection:
        assert MigrationContext.configure(connection).get_current_revision() == "0001"


def test_every_step_record_field_has_a_steps_column():
    # A StepRecord field without a column would be silently dropped by the store.
    assert set(StepRecord.model_fields) <= set(inspect(StepRow).columns.keys())
