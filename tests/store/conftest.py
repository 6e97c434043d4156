"""The store under test: SQLite always, PostgreSQL too when FIXLOOP_TEST_POSTGRES_URL is set."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from fixloop.store import Store
from fixloop.store.schema import Base
from fixloop.store.store import resolve_url

POSTGRES_ENV_VAR = "FIXLOOP_TEST_POSTGRES_URL"


def _empty_postgres(url: str) -> None:
    engine = create_engine(resolve_url(url))
    with engine.begin() as connection:
        Base.metadata.drop_all(connection)
        connection.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
    engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database's URL, for each backend in turn."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'fixloop.db'}"
    url = os.environ.get(POSTGRES_ENV_VAR)
    if not url:
        pytest.skip(f"{POSTGRES_ENV_VAR} is not set (.ci/postgres.sh starts a server and prints one)")
    _empty_postgres(url)
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    with Store.open(db_url) as opened:
        yield opened
