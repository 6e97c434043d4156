"""Live updates: a server-sent event stream of the runs that changed.

Every `poll_seconds` the stream asks the store for its runs marker (`Store.runs_marker`: the
number of runs, of finished runs, of planned episodes, and the newest episode's id; two
small aggregate queries). Only when the marker moved does it read the runs with their
episode counts and costs, compare each run's fingerprint (status, planned, finished,
resolved, infra errors) with the last one it sent, and send a `runs` event whose data is
the JSON list of the changed `RunSummary` lines. The first event holds every run, so a page
rendered a moment before the stream opened catches up. A store that cannot be read sends a
`problem` event and the stream keeps polling. A comment line goes out when nothing changed
for `KEEPALIVE_SECONDS`, so proxies keep the stream open.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable

import anyio.to_thread

from fixloop.store import Store, StoreError
from fixloop.store.records import RunInfo
from fixloop.ui.pages import RunSummary, run_summary

KEEPALIVE_SECONDS = 15.0
"""The longest the stream stays silent."""
RETRY_MILLISECONDS = 2000
"""How long a browser waits before reconnecting a dropped stream."""

Fingerprint = tuple[str, int, int, int, int]


class RunWatch:
    """The runs as last sent: `changes` returns the lines of the runs that moved since."""

    def __init__(self) -> None:
        self._marker: tuple[int, ...] | None = None
        self._sent: dict[int, Fingerprint] = {}

    def changes(self, store: Store) -> list[RunSummary]:
        """The lines of the runs new or changed since the last call (every run at the first),
        oldest first; nothing without reading the runs when the store's runs marker did not
        move. Raises StoreError when the store cannot be read."""
        marker = store.runs_marker()
        if marker == self._marker:
            return []
        self._marker = marker
        moved = [info for info in store.list_runs() if self._sent.get(info.id) != _fingerprint(info)]
        costs = store.run_costs() if moved else {}
        lines = [run_summary(info, costs.get(info.id, 0.0)) for info in moved]
        self._sent.update((info.id, _fingerprint(info)) for info in moved)
        return lines


async def run_events(
    store: Store,
    disconnected: Callable[[], Awaitable[bool]],
    stopping: Callable[[], bool],
    poll_seconds: float,
) -> AsyncIterator[str]:
    """The text/event-stream of run changes (see the module docstring) until `disconnected()`
    says the client went away or `stopping()` that the server is shutting down (the stream
    then ends at its next poll, so a shutdown need not cancel it)."""
    watch = RunWatch()
    yield f"retry: {RETRY_MILLISECONDS}\n\n"
    silent = 0.0
    while not stopping() and not await disconnected():
        try:
            changed = await anyio.to_thread.run_sync(watch.changes, store)
        except StoreError as exc:
            yield _event("problem", str(exc))
            changed = []
        if changed:
            yield _event("runs", [line.model_dump(mode="json") for line in changed])
            silent = 0.0
        elif silent >= KEEPALIVE_SECONDS:
            yield ": keepalive\n\n"
            silent = 0.0
        await anyio.sleep(poll_seconds)
        silent += poll_seconds


def _fingerprint(info: RunInfo) -> Fingerprint:
    return (info.status, info.planned, info.finished, info.resolved, info.infra_errors)


def _event(name: str, data: object) -> str:
    # json.dumps never writes a raw newline, so the data is one `data:` line.
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"
