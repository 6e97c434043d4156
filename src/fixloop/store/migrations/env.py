"""Alembic environment for fixloop's store.

`Store.open` runs the migrations with its own connection in `config.attributes["connection"]`.
To write a new migration, point a `Config` at this directory with `sqlalchemy.url` set to a
database migrated to head and run `alembic.command.revision(config, message, autogenerate=True,
rev_id="000N")`; then review the generated file.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from fixloop.store.schema import Base

config = context.config
connection = config.attributes.get("connection")

if connection is not None:
    context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("fixloop migrations need a connection or sqlalchemy.url; use Store.open()")
    with create_engine(url).connect() as own_connection:
        context.configure(connection=own_connection, target_metadata=Base.metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
