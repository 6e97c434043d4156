"""`ServedRun`: the store run that a server's episodes join.

Every episode a client plays is committed when it ends (done, closed, reaped, or the
server shutting down), with agent `remote`, so `fixloop diagnose`, `report` and `export`
read served episodes like any other run's. A served run's plan is not known up front: each
episode is planned as it is committed, numbered per task from 0. A server restarted with
the same `--run-name` goes on numbering where the run stopped.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from fixloop.core.trajectory import Trajectory
from fixloop.store import Store, StoreError

SERVE_AGENT = "remote"
"""The agent name of served episodes: whoever drove them over the protocol."""

SERVE_KIND = "serve"
"""`config["kind"]` of a served run, which tells it from runs `fixloop run` made."""


def default_run_name() -> str:
    """`serve-YYYYmmdd-HHMMSS` in UTC."""
    return datetime.now(UTC).strftime("serve-%Y%m%d-%H%M%S")


class ServedRun:
    """Commits served episodes to one run; safe to call from several threads."""

    def __init__(self, store: Store, name: str, config: dict[str, Any]) -> None:
        """Join the run called `name`, creating it with `config` when there is none.

        Raises StoreError when a run of that name exists but was not made by `fixloop serve`.
        """
        self.store = store
        self._lock = threading.Lock()
        try:
            run = store.get_run(name)
        except StoreError:
            run = store.create_run(
                name, agent=SERVE_AGENT, model=SERVE_AGENT, config={**config, "kind": SERVE_KIND}, planned=[]
            )
        if run.config.get("kind") != SERVE_KIND:
            raise StoreError(f"run {name!r} was not made by `fixloop serve`; choose another --run-name")
        self.run = run
        self._next = Counter(task_id for task_id, _ in store.finished_keys(run.id))

    @property
    def name(self) -> str:
        return self.run.name

    def commit(self, trajectory: Trajectory) -> tuple[str, int]:
        """Plan and record `trajectory` as its task's next episode; returns its key."""
        with self._lock:
            key = (trajectory.task_id, self._next[trajectory.task_id])
            self.store.extend_plan(self.run.id, [key])
            self.store.add_episode(self.run.id, key[0], key[1], trajectory)
            self._next[trajectory.task_id] += 1
        return key

    def finish(self) -> None:
        """Mark the run finished (a later server may join it again)."""
        self.store.finish_run(self.run.id)
