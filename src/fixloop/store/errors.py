"""`StoreError`, and what a failing database means for the person running fixloop.

Every database error the user can do something about becomes a `StoreError` whose message
is one line: what happened, then what to do. The store's engine hands each driver error to
`database_error` (an SQLAlchemy `handle_error` hook), so this holds on every path that
touches the database, opening and migrating as well as every later read and commit:

- locked: SQLite stayed busy (another writer) beyond the busy timeout;
- read-only: the file, its directory or the server refuses writes;
- cannot open: the file cannot be opened or created at that path;
- corrupted: the file is not an SQLite database, or is damaged.

Other errors (a unique key taken, a lost server connection) are left to their callers.
"""

from __future__ import annotations

import sqlite3

SQLITE_LOCKED_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})
SQLITE_READ_ONLY_CODES = frozenset({sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM})
SQLITE_CORRUPT_CODES = frozenset({sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT})
POSTGRES_READ_ONLY_STATES = frozenset({"25006", "42501"})
"""read_only_sql_transaction (a standby, a read-only default) and insufficient_privilege."""

_ELSEWHERE = "or point --db / FIXLOOP_DB at another store"


class StoreError(RuntimeError):
    """The store cannot do what was asked; the message says why and what to do instead."""


def database_error(error: BaseException, where: str, busy_timeout_s: float) -> StoreError | None:
    """The StoreError that the driver's `error`, raised by the store at `where`, stands for.

    `where` names the store (its URL, password hidden); `busy_timeout_s` is how long SQLite
    waited for a lock. Returns None for errors that are not about the store's file or
    server as a whole (those propagate unchanged).
    """
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    if isinstance(error, sqlite3.Error):
        code = (error.sqlite_errorcode or 0) & 0xFF  # the primary result code
        if code in SQLITE_LOCKED_CODES:
            return StoreError(
                f"the store {where} is locked: another process kept it busy for over {busy_timeout_s:g}s; "
                f"let that process finish (or stop it) and try again, {_ELSEWHERE}"
            )
        if code in SQLITE_READ_ONLY_CODES:
            return read_only(where, detail)
        if code == sqlite3.SQLITE_CANTOPEN:
            return StoreError(
                f"cannot open the store {where} ({detail}): the path must name a file (not a directory) "
                f"in a directory this user can write; fix the path or the permissions, {_ELSEWHERE}"
            )
        if code in SQLITE_CORRUPT_CODES:
            return StoreError(
                f"the store {where} is not a usable SQLite database ({detail}): the file is corrupted or "
                "is not a fixloop store; move it aside to start a new store there, or restore a backup"
            )
    if getattr(error, "sqlstate", None) in POSTGRES_READ_ONLY_STATES:
        return read_only(where, detail)
    return None


def read_only(where: str, detail: str) -> StoreError:
    """The StoreError for a store this process may not write to."""
    return StoreError(
        f"the store {where} is read-only ({detail}): make the file and its directory writable by "
        f"this user (on PostgreSQL: grant write access, use the primary), {_ELSEWHERE}"
    )
