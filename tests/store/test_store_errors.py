"""A locked, read-only or corrupted store is a one-line StoreError saying what to do, on open
and on every later write, and the command line reports it without a traceback."""

from __future__ import annotations

import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.store import Store, StoreError
from tests.store.conftest import POSTGRES_ENV_VAR

NOBODY = 65534


def new_run(store: Store, name: str = "r") -> None:
    store.create_run(name, agent="oracle", model="oracle", config={}, planned=[("t", 0)])


def one_line(error: StoreError) -> str:
    message = str(error)
    assert "\n" not in message
    return message


@contextmanager
def holding_the_write_lock(path: Path) -> Iterator[None]:
    """Another connection holds the file's write lock for the block."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A directory any user may read (tmp_path's parents are private to the test's user)."""
    path = Path(tempfile.mkdtemp(prefix="fixloop-store-errors-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path)


@contextmanager
def without_write_permission(*paths: Path) -> Iterator[None]:
    """`paths` read-only for the block: their write bits off and, since root ignores those,
    the block run as an unprivileged user when the tests run as root."""
    modes = {path: path.stat().st_mode for path in paths}
    for path in paths:
        path.chmod(0o555 if path.is_dir() else 0o444)
    as_root = os.geteuid() == 0
    if as_root:
        os.seteuid(NOBODY)
    try:
        yield
    finally:
        if as_root:
            os.seteuid(0)
        for path, mode in modes.items():
            path.chmod(mode)


def test_a_file_that_is_not_a_database_says_so_and_to_move_it_aside(tmp_path):
    path = tmp_path / "fixloop.db"
    path.write_bytes(b"these are not the bytes of a database\n" * 200)
    with pytest.raises(StoreError) as raised:
        Store.open(f"sqlite:///{path}")
    message = one_line(raised.value)
    assert "is not a usable SQLite database (file is not a database)" in message
    assert "move it aside" in message


def test_a_damaged_store_says_it_is_corrupted(tmp_path):
    path = tmp_path / "fixloop.db"
    with Store.open(f"sqlite:///{path}") as store:
        new_run(store)
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xff" * (4096 - 100)  # the schema page, after the file header
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match=r"malformed\): the file is corrupted"):
        Store.open(f"sqlite:///{path}")


def test_a_store_locked_past_the_busy_timeout_cannot_be_opened(tmp_path):
    path = tmp_path / "fixloop.db"
    Store.open(f"sqlite:///{path}").close()
    with holding_the_write_lock(path), pytest.raises(StoreError) as raised:
        Store.open(f"sqlite:///{path}?timeout=0.2")
    message = one_line(raised.value)
    assert "is locked: another process kept it busy for over 0.2s" in message
    assert "try again" in message


def test_a_write_to_a_store_locked_past_the_busy_timeout_is_a_store_error(tmp_path):
    path = tmp_path / "fixloop.db"
    with Store.open(f"sqlite:///{path}?timeout=0.2") as store:
        with holding_the_write_lock(path), pytest.raises(StoreError, match="is locked"):
            new_run(store)
        new_run(store)  # the lock is gone: the store works again
        assert [run.name for run in store.list_runs()] == ["r"]


def test_a_write_to_a_read_only_store_file_says_to_make_it_writable(shared_dir):
    path = shared_dir / "fixloop.db"
    Store.open(f"sqlite:///{path}").close()
    with (
        without_write_permission(path),
        pytest.raises(StoreError) as raised,  # on opening, or on writing
        Store.open(f"sqlite:///{path}") as store,
    ):
        new_run(store)
    message = one_line(raised.value)
    assert "is read-only" in message
    assert "make the file and its directory writable" in message


def test_a_store_in_a_read_only_directory_is_a_store_error(shared_dir):
    path = shared_dir / "fixloop.db"
    Store.open(f"sqlite:///{path}").close()
    path.chmod(0o666)  # only the directory refuses: SQLite cannot add its journal files
    with (
        without_write_permission(shared_dir),
        pytest.raises(StoreError) as raised,  # on opening, or on writing
        Store.open(f"sqlite:///{path}") as store,
    ):
        new_run(store)
    assert "is read-only" in one_line(raised.value)


def test_a_new_store_in_a_read_only_directory_is_a_store_error(shared_dir):
    with without_write_permission(shared_dir), pytest.raises(StoreError) as raised:
        Store.open(f"sqlite:///{shared_dir / 'sub' / 'fixloop.db'}")
    assert "is read-only" in one_line(raised.value)


def test_a_read_only_postgresql_database_is_a_store_error():
    url = os.environ.get(POSTGRES_ENV_VAR)
    if not url:
        pytest.skip(f"{POSTGRES_ENV_VAR} is not set")
    Store.open(url).close()
    read_only = url + ("&" if "?" in url else "?") + "options=-c%20default_transaction_read_only%3Don"
    with Store.open(read_only) as store, pytest.raises(StoreError) as raised:
        new_run(store, "never-written")
    assert "is read-only" in one_line(raised.value)
    assert "fixloop:fixloop@" not in str(raised.value)


def test_the_command_line_reports_a_corrupted_store_in_one_line_and_fails(tmp_path):
    path = tmp_path / "fixloop.db"
    path.write_bytes(b"garbage" * 1000)
    result = CliRunner().invoke(app, ["runs", "list", "--db", f"sqlite:///{path}"])
    assert result.exit_code == 2
    assert result.stderr.startswith("error: the store at")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.output


def test_the_command_line_reports_a_locked_store_in_one_line_and_fails(tmp_path):
    path = tmp_path / "fixloop.db"
    Store.open(f"sqlite:///{path}").close()
    with holding_the_write_lock(path):
        result = CliRunner().invoke(
            app, ["run", "--agent", "oracle", "--db", f"sqlite:///{path}?timeout=0.2"]
        )
    assert result.exit_code == 2
    assert "is locked" in result.stderr
    assert result.stderr.count("\n") == 1
