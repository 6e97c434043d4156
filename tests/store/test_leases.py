"""A run's lease: one live holder at a time; a dead or silent holder's lease is taken over."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from fixloop.store import Store, StoreError
from fixloop.store.leases import hold_lease


@pytest.fixture
def run(store: Store) -> str:
    store.create_run("leased", agent="oracle", model="oracle", config={}, planned=[("t", 0)])
    return "leased"


def test_a_live_lease_refuses_another_holder_and_names_its_holder(store, run):
    store.acquire_lease(run)
    with pytest.raises(
        StoreError, match=rf"being executed by process {os.getpid()} on {socket.gethostname()}"
    ):
        store.acquire_lease(run)


def test_a_released_lease_can_be_taken_at_once(store, run):
    store.release_lease(store.acquire_lease(run))
    assert store.acquire_lease(run).pid == os.getpid()


def test_an_expired_lease_is_taken_over_and_its_old_holder_cannot_renew_it(store, run):
    silent = store.acquire_lease(run, ttl_s=0)
    taken = store.acquire_lease(run)
    assert taken.token != silent.token
    assert store.renew_lease(silent) is False
    assert store.renew_lease(taken) is True


def test_a_renewed_lease_keeps_refusing(store, run):
    lease = store.acquire_lease(run, ttl_s=0)
    assert store.renew_lease(lease, ttl_s=60)
    with pytest.raises(StoreError, match="being executed"):
        store.acquire_lease(run)


def test_the_lease_of_a_process_on_this_host_that_is_gone_is_taken_over(store, run, db_url):
    exits_holding_the_lease = (
        "import os, sys\n"
        "from fixloop.store import Store\n"
        "Store.open(sys.argv[1]).acquire_lease(sys.argv[2], ttl_s=3600)\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", exits_holding_the_lease, db_url, run], check=True)
    assert store.acquire_lease(run).pid == os.getpid()


def test_racing_takeovers_of_a_stale_lease_leave_exactly_one_holder(store, run):
    store.acquire_lease(run, ttl_s=0)

    def take() -> bool:
        try:
            store.acquire_lease(run)
        except StoreError:
            return False
        return True

    with ThreadPoolExecutor(max_workers=8) as pool:
        taken = list(pool.map(lambda _: take(), range(8)))
    assert taken.count(True) == 1


def test_leasing_an_unknown_run_is_a_store_error(store):
    with pytest.raises(StoreError, match="no run 'missing'"):
        store.acquire_lease("missing")


def test_a_held_lease_is_released_however_the_block_ends(store, run):
    with pytest.raises(RuntimeError), hold_lease(store, run):
        raise RuntimeError("the run failed")
    assert store.acquire_lease(run).pid == os.getpid()


def test_a_holder_whose_lease_was_taken_over_stops_and_leaves_the_new_holder_alone(store, run):
    with hold_lease(store, run) as held:
        store.release_lease(held.lease)  # as if it had expired while this holder stalled...
        other = store.acquire_lease(run)  # ...and another process took the run over
        held.renew()
        with pytest.raises(StoreError, match="another process took over"):
            held.check()
    assert store.renew_lease(other) is True
