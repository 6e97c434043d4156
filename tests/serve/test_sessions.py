"""Slots, the reaper and hostile clients: nothing they do leaks a session or a worker."""

from __future__ import annotations

import base64
import json
import os
import socket

import pytest
from websockets.exceptions import ConnectionClosed

from tests.served import FAST_TASK, ask, descendants, drop, owner, running_server, wait_for


def test_a_client_beyond_capacity_gets_capacity_reached_and_a_freed_slot_is_reused(tmp_path):
    with (
        running_server(tmp_path, max_sessions=2) as served,
        served.socket() as first,
        served.socket() as second,
    ):
        ask(first, {"type": "state"})
        ask(second, {"type": "state"})
        with served.socket() as third:
            refused = json.loads(third.recv(timeout=10))
            assert refused["data"]["code"] == "CAPACITY_REACHED"
            assert refused["data"]["max_sessions"] == 2
        first.send(json.dumps({"type": "close"}))
        assert wait_for(lambda: served.pool.active == 1)
        with served.socket() as fourth:
            assert ask(fourth, {"type": "reset", "data": {"task_id": FAST_TASK}})["type"] == "observation"


def test_a_dropped_sockets_session_yields_its_slot_to_a_new_client(tmp_path):
    with running_server(tmp_path, max_sessions=1) as served:
        with served.socket() as ws:
            ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
            ask(ws, {"type": "step", "data": {"action_type": "view_code"}})
            drop(ws)
        assert wait_for(lambda: served.pool.capacity()["attached_sockets"] == 0)
        with served.socket() as ws:
            assert ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})["type"] == "observation"
        assert wait_for(lambda: served.pool.recorded == 1)


def test_the_reaper_ends_idle_sessions_and_closes_an_unused_socket(tmp_path):
    with running_server(tmp_path, session_timeout=0.5) as served:
        with served.socket() as idle:
            with served.socket() as ws:
                reset = ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
                ask(ws, {"type": "step", "data": {"action_type": "view_code"}})
                drop(ws)
            assert wait_for(lambda: served.pool.active == 0 and served.pool.recorded == 1, timeout=10)
            with pytest.raises(ConnectionClosed):
                idle.recv(timeout=5)
        with served.socket(f"?session_id={reset['data']['metadata']['session_id']}") as late:
            assert json.loads(late.recv(timeout=10))["data"]["code"] == "SESSION_ERROR"


def test_two_hundred_abrupt_disconnects_leave_no_session_and_no_worker(tmp_path):
    before = descendants()
    with running_server(tmp_path, session_timeout=1.0, max_sessions=8) as served:
        for attempt in range(200):
            with served.socket() as ws:
                if attempt % 20 == 0:  # some mid-episode, the rest right after connecting
                    ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})
                    ws.send(json.dumps({"type": "step", "data": {"action_type": "run_tests"}}))
                drop(ws)
        assert served.get("/health") == (200, {"status": "healthy"})
        assert wait_for(lambda: served.pool.active == 0, timeout=30)
        # What may stay is a recycled warm worker per sandbox, idle, for the next episode
        # (the worker and its stray killer): root's, never a process of test code (the
        # sandbox's own uid).
        sandboxes = served.get("/sessions")[1]["sandboxes"]
        assert wait_for(lambda: all(owner(pid) == 0 for pid in descendants() - before), timeout=30)
        assert len(descendants() - before) <= 2 * sandboxes
        with served.socket() as ws:
            assert ask(ws, {"type": "reset", "data": {"task_id": FAST_TASK}})["type"] == "observation"


def test_a_peer_that_never_answers_pings_is_dropped_and_its_slot_freed(tmp_path):
    with running_server(tmp_path, ping_interval=0.2, ping_timeout=0.2) as served:
        host, port = served.base_url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as raw:  # a peer that never reads
            key = base64.b64encode(os.urandom(16)).decode()
            raw.sendall(
                (
                    f"GET /ws HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                    f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
                ).encode()
            )
            handshake = raw.recv(4096)
            assert handshake.startswith(b"HTTP/1.1 101")
            assert wait_for(lambda: served.pool.active == 1)
            frame = handshake.partition(b"\r\n\r\n")[2] or raw.recv(4096)
            assert frame[0] == 0x89  # a ping, unanswered
            assert wait_for(lambda: served.pool.active == 0, timeout=10)
