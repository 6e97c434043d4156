"""Where `Store.open` puts the database, and how it sets SQLite up."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from fixloop.store import DB_ENV_VAR, Store, StoreError


def test_open_without_a_url_uses_fixloop_db_under_the_current_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DB_ENV_VAR, raising=False)
    with Store.open() as store:
        store.create_run("r", agent="a", model="m", config={}, planned=[])
    assert (tmp_path / ".fixloop" / "fixloop.db").is_file()


def test_open_without_a_url_uses_the_fixloop_db_variable(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(DB_ENV_VAR, f"sqlite:///{tmp_path / 'from-env.db'}")
    with Store.open() as store:
        assert store.url.endswith("from-env.db")
    assert (tmp_path / "from-env.db").is_file()
    assert not (tmp_path / ".fixloop").exists()


def test_an_explicit_url_wins_over_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv(DB_ENV_VAR, f"sqlite:///{tmp_path / 'from-env.db'}")
    with Store.open(f"sqlite:///{tmp_path / 'sub' / 'explicit.db'}") as store:
        assert store.url.endswith("explicit.db")
    assert (tmp_path / "sub" / "explicit.db").is_file()
    assert not (tmp_path / "from-env.db").exists()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'f.db'}") as store, store.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def test_reopening_a_store_keeps_its_runs(tmp_path):
    url = f"sqlite:///{tmp_path / 'f.db'}"
    with Store.open(url) as store:
        store.create_run("kept", agent="a", model="m", config={}, planned=[("t", 0)])
    with Store.open(url) as store:
        assert [r.name for r in store.list_runs()] == ["kept"]


def test_an_in_memory_database_is_refused_with_a_file_to_use_instead():
    with pytest.raises(StoreError, match=r"in-memory SQLite store.*give a file instead"):
        Store.open("sqlite://")


@pytest.mark.parametrize("url", ["not a url", "nosuchdb://x/y"])
def test_an_unusable_url_is_a_store_error_that_shows_an_example(url):
    with pytest.raises(StoreError, match=r"sqlite:///path/to/fixloop.db"):
        Store.open(url)


def test_a_database_path_under_a_file_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(StoreError, match="cannot open the store"):
        Store.open(f"sqlite:///{tmp_path / 'file' / 'x.db'}")


def test_a_database_that_cannot_be_opened_is_a_store_error(tmp_path):
    with pytest.raises(StoreError, match="cannot open the store"):
        Store.open(f"sqlite:///{tmp_path}")
