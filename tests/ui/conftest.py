"""One small real store for the dashboard tests, and the dashboard serving it.

The store holds, from real rollouts in the sandbox: `careless` (sim:careless on two tasks,
simulated, with a critic evaluation and memory cards drawn from it), `oracle` (the oracle agent
on the same tasks, not simulated), a finished one-epoch skill training `t` (sim:careless) with
its runs, and `HOSTILE_RUN`, careless's episodes again with markup in a thought and in the
run's name. The dashboard is a real uvicorn server on a free port, one per session, its live
stream polling every 0.2 s; a second one requires `TOKEN`.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fixloop.cli.main import app as cli_app
from fixloop.improve.gate import GateSettings
from fixloop.improve.memory.card import CardSource, MemoryCard, card_id
from fixloop.improve.skills.trainer import SkillTrainer, training_splits
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.rollout.run_session import RunSettings, select_tasks
from fixloop.store import Store
from fixloop.ui.app import build_server
from fixloop.ui.settings import UISettings
from tests.report.test_report_in_browser import artifacts_dir as test_artifacts

TASKS = ["phone-normalize", "hex-color-shorthand"]
"""Builtin tasks whose wrong edits fail fast."""
TRAINING_TASKS = [
    "fahrenheit-to-celsius", "hex-color-shorthand", "leap-year-centuries", "letter-grade-scale",
    "phone-normalize", "roman-numeral-repeats", "slugify-separator-runs",
]  # fmt: skip
HOSTILE_RUN = "x<img src=x onerror=alert(1)>"
HOSTILE_THOUGHT = "</script><script>alert(1)</script><b>bold</b>"
TOKEN = "test-token-0123456789abcdef"
LESSON = "Run the failing test before reading any source file."


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


@dataclass(frozen=True)
class Dashboard:
    """A dashboard under test: where it listens and the store it reads."""

    base_url: str
    db_url: str

    def get(
        self, path: str, headers: dict[str, str] | None = None, *, follow: bool = True
    ) -> tuple[int, str, dict[str, str]]:
        """GET `path`: the status, the body as text, and the headers (lower-case names);
        redirects are followed unless `follow` is False."""
        request = urllib.request.Request(self.base_url + path, headers=headers or {})
        opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return (
                    response.status,
                    response.read().decode(),
                    {k.lower(): v for k, v in response.headers.items()},
                )
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode(), {k.lower(): v for k, v in exc.headers.items()}

    def json(self, path: str) -> tuple[int, Any]:
        status, body, _ = self.get(path)
        return status, json.loads(body)


def cli(*args: str) -> None:
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, result.output


def _train(store: Store) -> None:
    settings = TrainingSettings(
        rollout=RunSettings(
            agent="llm", model="sim:careless", suite="builtin", task_ids=TRAINING_TASKS,
            split_fractions="0.4,0.3,0.3", concurrency=2,
        ),
        epochs=1, batch_size=3, slow_update_tasks=2, test_repeats=1, seed=2, gate=GateSettings(alpha=0.2),
        initial_skill="# Debugging\n\n## Workflow\n- Read the failing test before editing.\n",
    )  # fmt: skip
    store.create_training("t", config=settings.model_dump(mode="json"), simulated=True)
    SkillTrainer(store, "t", settings, training_splits(settings, select_tasks(settings.rollout))).run()


def _remember(store: Store) -> None:
    card = MemoryCard(
        id=card_id("skill_card", LESSON), kind="skill_card", content=LESSON, status="quarantined",
        status_reason="scan: clean", sources=(CardSource(run="careless", task_id=TASKS[0], episode_index=0),),
    )  # fmt: skip
    store.add_memory_card(card.model_dump(mode="json"))
    promoted = card.model_copy(update={"status": "promoted", "status_reason": "replay: accepted, p = 0.03"})
    store.update_memory_card(promoted.model_dump(mode="json"))


def _hostile(store: Store) -> None:
    trajectories = store.keyed_trajectories("careless")
    store.create_run(
        HOSTILE_RUN, agent="llm", model="sim:careless", config={}, planned=list(trajectories), simulated=True
    )
    for (task_id, index), trajectory in trajectories.items():
        steps = list(trajectory.steps)
        first = steps[0]
        steps[0] = first.model_copy(update={"action": {**(first.action or {}), "thought": HOSTILE_THOUGHT}})
        store.add_episode(HOSTILE_RUN, task_id, index, trajectory.model_copy(update={"steps": steps}))


@pytest.fixture(scope="session")
def store_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('ui')}/fixloop.db"
    tasks = [arg for task in TASKS for arg in ("--task", task)]
    cli("run", "--agent", "llm", "--model", "sim:careless", *tasks, "--run-name", "careless", "--db", url)
    cli("run", "--agent", "oracle", *tasks, "--run-name", "oracle", "--db", url)
    cli("critic", "eval", "careless", "--model", "sim-critic:good", "--db", url)
    with Store.open(url) as store:
        _train(store)
        _remember(store)
        _hostile(store)
    return url


@contextmanager
def _serve(settings: UISettings) -> Iterator[str]:
    runner = build_server(settings)
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard did not start")
        time.sleep(0.02)
    port = runner.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        runner.should_exit = True
        thread.join(30)


@pytest.fixture(scope="session")
def dashboard(store_url) -> Iterator[Dashboard]:
    with _serve(UISettings(db=store_url, port=0, poll_seconds=0.2)) as base_url:
        yield Dashboard(base_url, store_url)


@pytest.fixture(scope="session")
def guarded(store_url) -> Iterator[Dashboard]:
    """The same store behind a dashboard that requires TOKEN."""
    with _serve(UISettings(db=store_url, port=0, token=TOKEN, poll_seconds=0.2)) as base_url:
        yield Dashboard(base_url, store_url)


def events(base_url: str) -> Iterator[tuple[str, object]]:
    """(event name, data) for each event of /api/stream, as they come."""
    response = urllib.request.urlopen(base_url + "/api/stream", timeout=20)
    name, data = "message", ""
    try:
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and data:
                yield name, json.loads(data)
                name, data = "message", ""
    finally:
        response.close()


def artifacts_dir() -> Path:
    """Where the dashboard's screenshots go: ui/ among the test run's artifacts."""
    path = test_artifacts() / "ui"
    path.mkdir(parents=True, exist_ok=True)
    return path
