"""Run leases: one process at a time executes a run, and a killed one never blocks a resume.

Executing a run takes its lease in the store (`Store.acquire_lease`): the holder's host,
process id and an expiry that a heartbeat thread pushes forward (`hold_lease`). A second
process that tries to execute the same run is refused while the lease is live, so model
calls are never paid twice. A lease stops being live when its heartbeat expires
(`LEASE_TTL_S` after the last one: the holder hung, or died on another host) or, at once,
when its holder ran on this host and that process no longer exists (it was killed); a
resume then takes it over. The lease is released when the run ends, normally or not.

Works on every database the store supports: taking a lease over is a compare-and-swap on
the lease's token, so of two processes racing for a stale lease exactly one wins.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from fixloop.store.errors import StoreError
from fixloop.store.records import LeaseInfo

if TYPE_CHECKING:
    from fixloop.store.store import RunRef, Store

logger = logging.getLogger(__name__)

LEASE_TTL_S = 60.0
"""A lease lapses this long after its last heartbeat; `hold_lease` beats four times as often."""


def lease_is_live(lease: LeaseInfo, now: datetime) -> bool:
    """Whether `lease` still holds at `now`: its heartbeat has not expired, and its holder,
    when it ran on this host, is a process that still exists."""
    if lease.expires_at <= now:
        return False
    return lease.host != socket.gethostname() or _process_exists(lease.pid)


def _process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process
    return True


class HeldLease:
    """A run's lease held by this process, renewed by a heartbeat thread until `release`."""

    def __init__(self, store: Store, run_name: str, lease: LeaseInfo, ttl_s: float) -> None:
        self.store = store
        self.run_name = run_name
        self.lease = lease
        self.ttl_s = ttl_s
        self._lost = threading.Event()
        self._stopping = threading.Event()
        self._heartbeat = threading.Thread(
            target=self._beat, name=f"fixloop-lease-{lease.run_id}", daemon=True
        )
        self._heartbeat.start()

    def renew(self) -> None:
        """One heartbeat: extend the lease, or note that another process took it over."""
        if not self.store.renew_lease(self.lease, ttl_s=self.ttl_s):
            self._lost.set()

    def check(self) -> None:
        """Raise StoreError when another process took the lease over (this one stalled past
        its expiry), so this one stops instead of executing the run twice."""
        if self._lost.is_set():
            raise StoreError(
                f"another process took over run {self.run_name!r} after this one missed its "
                "heartbeat; this one stops, the other goes on (nothing recorded is lost)"
            )

    def release(self) -> None:
        """Stop the heartbeat and give the lease up. A store that fails now is only logged: the
        lease then lapses when its heartbeat expires (or, for a resume on this host, as soon
        as this process exits)."""
        self._stopping.set()
        self._heartbeat.join()
        try:
            self.store.release_lease(self.lease)
        except (StoreError, SQLAlchemyError) as exc:
            logger.warning("could not release the lease of run %r: %s", self.run_name, exc)

    def _beat(self) -> None:
        while not self._stopping.wait(self.ttl_s / 4) and not self._lost.is_set():
            try:
                self.renew()
            except (StoreError, SQLAlchemyError) as exc:  # locked, server away: the next beat tries again
                logger.warning("could not renew the lease of run %r: %s", self.run_name, exc)


@contextmanager
def hold_lease(store: Store, run: RunRef, *, ttl_s: float = LEASE_TTL_S) -> Iterator[HeldLease]:
    """Hold `run`'s lease for the `with` block, released however the block ends.

    Raises StoreError when another live process holds it (see `Store.acquire_lease`).
    """
    held = HeldLease(store, store.get_run(run).name, store.acquire_lease(run, ttl_s=ttl_s), ttl_s)
    try:
        yield held
    finally:
        held.release()
