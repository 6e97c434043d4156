"""Assemble and run a server from `ServeSettings`: tasks, store run, sessions, app, uvicorn.

uvicorn sends the keepalive pings (`ping_interval`, `ping_timeout`), bounds frames
(`max_frame_bytes`), and turns SIGTERM and SIGINT into a graceful shutdown: it stops
accepting connections, closes the sockets, and the app's shutdown then ends every session
(recording its episode), closes every sandbox, marks the run finished and closes the store.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import uvicorn
from fastapi import FastAPI

from fixloop.env.debug_env import EnvConfig
from fixloop.sandbox.factory import make_sandbox
from fixloop.serve.app import create_app
from fixloop.serve.catalog import TaskCatalog
from fixloop.serve.served_run import ServedRun, default_run_name
from fixloop.serve.session_pool import SessionPool
from fixloop.serve.settings import ServeSettings
from fixloop.store import Store
from fixloop.tasks.loader import load_suite, load_tasks


@dataclass
class Server:
    """A ready server: the app, its sessions, its run."""

    app: FastAPI
    pool: SessionPool
    settings: ServeSettings

    def uvicorn_config(self) -> uvicorn.Config:
        """uvicorn's configuration for this server (see the module docstring)."""
        settings = self.settings
        return uvicorn.Config(
            self.app,
            host=settings.host,
            port=settings.port,
            ws="websockets-sansio",
            ws_ping_interval=settings.ping_interval,
            ws_ping_timeout=settings.ping_timeout,
            ws_max_size=settings.max_frame_bytes,
            log_level="warning",
            timeout_graceful_shutdown=10,
        )


def build_server(settings: ServeSettings) -> Server:
    """Load the tasks, open the store and its run, and build the app.

    Raises TaskLoadError, TaskSelectionError (bad split, no tasks), StoreError and
    SandboxError (a `--sandbox bwrap` this machine cannot run) before anything listens.
    """
    tasks = load_tasks(settings.path) if settings.path else load_suite(settings.suite or "builtin")
    catalog = TaskCatalog(tasks, split=settings.split)
    make_sandbox(settings.sandbox).close()  # fail now, not at the first client's reset
    store = Store.open(settings.db)
    try:
        run = ServedRun(
            store, settings.run_name or default_run_name(), settings.model_dump(mode="json", exclude={"db"})
        )
    except Exception:
        store.close()
        raise
    pool = SessionPool(
        catalog,
        run,
        sandbox_factory=functools.partial(make_sandbox, settings.sandbox),
        env_config=EnvConfig(reward=settings.reward),
        max_sessions=settings.max_sessions,
        session_timeout=settings.session_timeout,
        invalid_actions=settings.invalid_actions,
    )

    async def close_store() -> None:
        store.close()

    app = create_app(pool, max_body_bytes=settings.max_frame_bytes, on_shutdown=close_store)
    return Server(app=app, pool=pool, settings=settings)
