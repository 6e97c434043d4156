"""`fixloop serve`: the environment as an OpenEnv-compatible server (see `fixloop.serve`)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
import uvicorn
from pydantic import ValidationError

from fixloop.cli.common import DbOption, PathOption, SuiteOption, err, fail, load, out
from fixloop.sandbox.base import SandboxError
from fixloop.serve.catalog import TaskCatalog, TaskSelectionError
from fixloop.serve.manifest import write_manifest
from fixloop.serve.server import build_server
from fixloop.serve.settings import ServeSettings
from fixloop.store import StoreError
from fixloop.tasks.loader import TaskLoadError


def serve(
    suite: SuiteOption = None,
    path: PathOption = None,
    split: Annotated[
        str | None, typer.Option("--split", help="Serve one split only: train, selection, test or all.")
    ] = None,
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
    max_sessions: Annotated[int, typer.Option("--max-sessions", help="Concurrent sessions at most.")] = 32,
    session_timeout: Annotated[
        float,
        typer.Option("--session-timeout", help="Seconds idle (or detached) before a session is reaped."),
    ] = 300.0,
    sandbox: Annotated[
        str, typer.Option("--sandbox", help="auto (bwrap when available), bwrap, or process.")
    ] = "auto",
    reward: Annotated[
        str, typer.Option("--reward", help="Reward scheme: potential, tracefix or navrepair.")
    ] = ("potential"),
    invalid_actions: Annotated[
        str,
        typer.Option(
            "--invalid-actions",
            help="A step that is no action: error (VALIDATION_ERROR, no step; the reference's way) "
            "or step (a penalized step showing the parse error; RL trainers whose clients end a "
            "rollout on an error frame want this).",
        ),
    ] = "error",
    run_name: Annotated[
        str | None, typer.Option("--run-name", help="The store run episodes join (default serve-<time>).")
    ] = None,
    db: DbOption = None,
    write_manifest_to: Annotated[
        Path | None,
        typer.Option(
            "--write-manifest", metavar="DIR", help="Write DIR/openenv.yaml for publishing, and exit."
        ),
    ] = None,
) -> None:
    """Serve the tasks over the OpenEnv protocol (HTTP and /ws) until SIGTERM or Ctrl-C.

    Every episode a client plays is recorded in the store as part of a `serve` run, so
    `fixloop diagnose`, `report` and `export` read it like any other run.
    """
    try:
        settings = ServeSettings.model_validate(
            {
                "suite": suite, "path": path, "split": split, "host": host, "port": port,
                "max_sessions": max_sessions, "session_timeout": session_timeout, "sandbox": sandbox,
                "reward": reward, "invalid_actions": invalid_actions, "db": db, "run_name": run_name,
            }
        )  # fmt: skip
    except ValidationError as exc:
        raise fail(_first_problem(exc)) from None
    if write_manifest_to is not None:
        try:
            catalog = TaskCatalog(load(suite, path), split=split)
        except TaskSelectionError as exc:
            raise fail(str(exc)) from None
        written = write_manifest(write_manifest_to, settings, catalog)
        out.print(f"wrote {written}")
        return
    try:
        server = build_server(settings)
    except (TaskLoadError, FileNotFoundError, TaskSelectionError, StoreError, SandboxError) as exc:
        raise fail(str(exc)) from None
    pool = server.pool
    err.print(
        f"fixloop serve: {len(pool.catalog)} tasks "
        f"({', '.join(pool.catalog.split_names)}) on http://{host}:{port} (ws://{host}:{port}/ws), "
        f"{max_sessions} sessions, episodes recorded in run {pool.served_run.name!r}"
    )
    uvicorn.Server(server.uvicorn_config()).run()


def _first_problem(exc: ValidationError) -> str:
    problem = exc.errors()[0]
    field = ".".join(str(part) for part in problem["loc"])
    return f"--{field.replace('_', '-')}: {problem['msg']}"
