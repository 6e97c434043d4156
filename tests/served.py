"""Serving fixloop in tests: a real `fixloop serve` in this process (uvicorn on a free port, in
a thread) or as a process, and small protocol clients."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from websockets.sync.client import ClientConnection, connect

from fixloop.serve.server import Server, build_server
from fixloop.serve.settings import ServeSettings

FAST_TASK = "batching-partial-default"
OTHER_TASK = "business-days-inclusive"


@dataclass
class Running:
    """A server under test: its URLs, its in-process objects, and its store."""

    server: Server | None
    """The in-process server, or None for one running as a process."""
    base_url: str
    db_url: str

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/ws"

    @property
    def pool(self):
        assert self.server is not None, "a server running as a process has no pool here"
        return self.server.pool

    def get(self, path: str) -> tuple[int, Any]:
        return _http(self.base_url + path, None)

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return _http(self.base_url + path, data)

    def socket(self, query: str = "") -> ClientConnection:
        return connect(self.ws_url + query, open_timeout=10, max_size=None)


def _http(url: str, data: bytes | None) -> tuple[int, Any]:
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


@contextmanager
def running_server(tmp_path: Path, **overrides: Any) -> Iterator[Running]:
    """Serve the builtin suite with the process sandbox until the block ends, then shut down
    as SIGTERM would (uvicorn's graceful exit, which ends every session)."""
    db_url = f"sqlite:///{tmp_path}/serve.db"
    settings = ServeSettings(port=0, sandbox="process", db=db_url, **overrides)
    server = build_server(settings)
    runner = uvicorn.Server(server.uvicorn_config())
    thread = threading.Thread(target=runner.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not runner.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the server did not start")
        time.sleep(0.02)
    port = runner.servers[0].sockets[0].getsockname()[1]
    try:
        yield Running(server=server, base_url=f"http://127.0.0.1:{port}", db_url=db_url)
    finally:
        runner.should_exit = True
        thread.join(30)


def ask(ws: ClientConnection, frame: dict[str, Any] | str) -> dict[str, Any]:
    """Send one frame and read its reply."""
    ws.send(frame if isinstance(frame, str) else json.dumps(frame))
    return json.loads(ws.recv(timeout=60))


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def drop(ws: ClientConnection) -> None:
    """Cut the connection without a close frame, as a killed client does (a socket the
    server already closed, e.g. refused at capacity, stays closed)."""
    with contextlib.suppress(OSError):
        ws.socket.shutdown(socket.SHUT_RDWR)
    ws.socket.close()


def wait_for(condition, timeout: float = 20.0) -> bool:
    """Poll `condition` until it holds or `timeout` passes; returns whether it held."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def descendants(pid: int | None = None) -> set[int]:
    """Every live process below `pid` (this process by default), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: set[int] = set()
    todo = [pid or os.getpid()]
    while todo:
        for child in children.get(todo.pop(), []):
            found.add(child)
            todo.append(child)
    return found


def owner(pid: int) -> int | None:
    """The real uid of the process `pid`, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as status:
            line = next(line for line in status if line.startswith("Uid:"))
    except (OSError, StopIteration):
        return None
    return int(line.split()[1])


@contextmanager
def serve_process(tmp_path: Path, *flags: str) -> Iterator[tuple[subprocess.Popen, Running]]:
    """`fixloop serve --sandbox process` as a real process on a free port, healthy; killed at
    the end of the block if it is still running."""
    port = free_port()
    db_url = f"sqlite:///{tmp_path}/serve.db"
    fixloop = str(Path(sys.executable).with_name("fixloop"))
    process = subprocess.Popen(
        [fixloop, "serve", "--port", str(port), "--sandbox", "process", "--db", db_url, *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    running = Running(server=None, base_url=f"http://127.0.0.1:{port}", db_url=db_url)

    def healthy() -> bool:
        try:
            return running.get("/health")[0] == 200
        except OSError:
            return process.poll() is not None

    try:
        if not wait_for(healthy, timeout=90) or process.poll() is not None:
            process.kill()
            raise RuntimeError(f"fixloop serve did not start: {process.communicate()[1]}")
        yield process, running
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
