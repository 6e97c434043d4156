"""A store that fails in the middle of `fixloop run` stops the run with a one-line error."""

from __future__ import annotations

import sqlite3

from typer.testing import CliRunner

from fixloop.cli import app
from tests.calc_task import write_task_dir
from tests.fake_openai_server import ChatRequest, FakeOpenAIServer, Reply


def test_a_store_locked_during_a_run_stops_it_with_a_one_line_error(tmp_path):
    path = tmp_path / "fixloop.db"
    locks: list[sqlite3.Connection] = []

    def lock_the_store_then_answer(_: ChatRequest) -> Reply:
        if not locks:  # another program takes the store's write lock and keeps it
            locks.append(sqlite3.connect(path, isolation_level=None, check_same_thread=False))
            locks[0].execute("BEGIN IMMEDIATE")
        return Reply.json({"action_type": "submit"})

    with FakeOpenAIServer(lock_the_store_then_answer) as server:
        result = CliRunner().invoke(
            app,
            ["run", "--agent", "llm", "--model", "openai:fake-model", "--base-url", server.base_url,
             "--path", str(write_task_dir(tmp_path / "tasks")), "--db", f"sqlite:///{path}?timeout=0.2"],
        )  # fmt: skip
    locks[0].close()
    assert result.exit_code == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"error: the store at sqlite:///{path}?timeout=0.2 is locked")
