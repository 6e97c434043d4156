"""The OpenEnv-compatible FastAPI app of `fixloop serve`.

Endpoints (the reference's, field for field): `GET /health`, `GET /metadata`,
`GET /schema`, `GET /state`, `POST /reset`, `POST /step`, `POST /mcp` (fixloop is not an
MCP environment, so every request gets a JSON-RPC error), `WS /ws` (see
`fixloop.serve.socket_session`), and the task API: `GET /list_environments`,
`GET /fixloop/splits`, `POST /fixloop/tasks`, `/fixloop/num_tasks`, `/fixloop/task`,
`/fixloop/task_range`. Beyond the reference, `GET /sessions` reports the slots in use.

HTTP episodes: `/reset` always answers with `metadata.session_id`. A `/step` (or
`/state`) that passes it back continues that episode; a `/reset` that passes it starts a
new episode in the same session. Without one, `/reset` behaves as the reference (its
session is the first evicted when slots run short) and `/step` is refused with 400, since
a fixloop step needs the episode a reset started.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, HTTPException, Request, WebSocket
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from fixloop import __version__
from fixloop.sandbox.base import SandboxError
from fixloop.serve.catalog import TaskSelectionError
from fixloop.serve.session import ActionRejected, Session
from fixloop.serve.session_pool import CapacityReached, SessionPool, UnknownSession
from fixloop.serve.socket_session import serve_socket
from fixloop.serve.wire import ENV_NAME, ResetParams, mcp_error, schemas

DESCRIPTION = (
    "Executable debugging tasks: a buggy Python repository with pytest tests. Read, search and edit "
    "the code, run the tests in a sandbox, and submit; the grade comes from the task's tests."
)

SPLIT_TYPES = {"train": "train", "selection": "validation", "test": "test", "all": "validation"}
"""Each split's kind in the reference task API."""


class HttpReset(ResetParams):
    """`POST /reset`'s body: reset parameters, and the session to reset in (optional)."""

    model_config = ConfigDict(extra="ignore")

    session_id: str | None = Field(default=None, max_length=64, description="Reset in this HTTP session.")


class HttpStep(BaseModel):
    """`POST /step`'s body, as the reference's `StepRequest`, plus the session to step."""

    model_config = ConfigDict(extra="ignore")

    action: dict[str, Any]
    session_id: str | None = Field(default=None, max_length=64)
    timeout_s: float | None = Field(default=None, gt=0, description="Accepted for compatibility; unused.")
    request_id: str | None = Field(default=None, max_length=255, description="Echoed in `metadata`.")


class SplitRequest(BaseModel):
    split: str


class TaskRequest(BaseModel):
    split: str
    index: int


class RangeRequest(BaseModel):
    split: str
    start: int | None = None
    stop: int | None = None


def create_app(pool: SessionPool, *, max_body_bytes: int, on_shutdown: Any = None) -> FastAPI:
    """The app serving `pool`'s sessions. `on_shutdown`, if given, is awaited after every
    session has ended (the CLI closes the store there)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        pool.start_reaper()
        yield
        await pool.shutdown()
        if on_shutdown is not None:
            await on_shutdown()

    app = FastAPI(title="fixloop environment server", version=__version__, lifespan=lifespan)
    catalog = pool.catalog

    @app.middleware("http")
    async def limit_body(request: Request, call_next: Any) -> Any:
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > max_body_bytes):
            return JSONResponse(
                {"detail": f"the body is larger than {max_body_bytes} bytes"}, status_code=413
            )
        return await call_next(request)

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "healthy"}

    @app.get("/metadata")
    async def metadata() -> dict[str, Any]:
        return {
            "name": ENV_NAME,
            "description": DESCRIPTION,
            "readme_content": None,
            "version": __version__,
            "author": None,
            "documentation_url": None,
        }

    @app.get("/schema")
    async def schema() -> dict[str, Any]:
        return schemas()

    @app.get("/sessions")
    async def sessions() -> dict[str, Any]:
        return pool.capacity()

    @app.get("/state")
    async def state(session_id: str | None = None) -> dict[str, Any]:
        if session_id is None:
            return Session(transport="http").state()
        return await pool.state(_session(pool, session_id))

    @app.post("/reset")
    async def reset(raw: Request) -> dict[str, Any]:
        body = await raw.body()
        try:
            request = HttpReset.model_validate_json(body) if body.strip() else HttpReset()
        except ValidationError as exc:
            raise HTTPException(422, exc.errors(include_url=False, include_input=False)) from None
        if request.session_id is not None:
            session = _session(pool, request.session_id)
            if session.attached:
                raise HTTPException(
                    409, f"session {request.session_id!r} is served by a socket; reset it there"
                )
        else:
            try:
                session = await pool.open("http")
            except CapacityReached as exc:
                raise HTTPException(503, str(exc)) from None
        try:
            return await pool.reset(session, request)
        except TaskSelectionError as exc:
            if request.session_id is None:
                await pool.close(session, "the reset named no task")
            raise HTTPException(422, str(exc)) from None
        except SandboxError as exc:
            raise HTTPException(503, f"the sandbox could not start: {exc}") from None

    @app.post("/step")
    async def step(body: HttpStep) -> dict[str, Any]:
        if body.session_id is None:
            raise HTTPException(
                400,
                "a fixloop step continues the episode a reset started: pass the `session_id` that "
                "POST /reset returned in `metadata`, or use the /ws socket",
            )
        session = _session(pool, body.session_id)
        if session.attached:
            raise HTTPException(409, f"session {body.session_id!r} is served by a socket; step it there")
        try:
            payload = await pool.step(session, body.action)
        except ActionRejected as exc:
            raise HTTPException(422, str(exc)) from None
        if body.request_id is not None:
            payload["metadata"]["request_id"] = body.request_id
        return payload

    @app.post("/mcp")
    async def mcp(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            data = None
        return mcp_error(data.get("id") if isinstance(data, dict) else None)

    @app.websocket("/ws")
    async def websocket(socket: WebSocket) -> None:
        await serve_socket(socket, pool)

    @app.get("/list_environments")
    async def list_environments() -> list[str]:
        return [ENV_NAME]

    @app.get("/{env_name}/splits")
    async def splits(env_name: str) -> list[dict[str, Any]]:
        _check_env(env_name)
        return [
            {"name": name, "type": SPLIT_TYPES[name], "num_tasks": len(catalog.tasks(name))}
            for name in catalog.split_names
        ]

    @app.post("/{env_name}/tasks")
    async def tasks(env_name: str, request: SplitRequest) -> dict[str, Any]:
        _check_env(env_name)
        members = _catalog_call(catalog.tasks, request.split)
        return {"tasks": [catalog.describe(task) for task in members], "env_name": ENV_NAME}

    @app.post("/{env_name}/num_tasks")
    async def num_tasks(env_name: str, request: SplitRequest) -> dict[str, Any]:
        _check_env(env_name)
        return {"num_tasks": len(_catalog_call(catalog.tasks, request.split))}

    @app.post("/{env_name}/task")
    async def task(env_name: str, request: TaskRequest) -> dict[str, Any]:
        _check_env(env_name)
        return {"task": catalog.describe(_catalog_call(catalog.task, request.split, request.index))}

    @app.post("/{env_name}/task_range")
    async def task_range(env_name: str, request: RangeRequest) -> dict[str, Any]:
        _check_env(env_name)
        members = _catalog_call(catalog.tasks, request.split)[request.start : request.stop]
        return {"tasks": [catalog.describe(task) for task in members]}

    return app


def _session(pool: SessionPool, session_id: str) -> Session:
    try:
        return pool.get(session_id)
    except UnknownSession as exc:
        raise HTTPException(404, str(exc)) from None


def _check_env(env_name: str) -> None:
    if env_name.lower() != ENV_NAME:
        raise HTTPException(404, f"unknown environment {env_name!r}; this server serves {ENV_NAME!r}")


def _catalog_call(fn: Any, *args: Any) -> Any:
    try:
        return fn(*args)
    except TaskSelectionError as exc:
        raise HTTPException(400, str(exc)) from None
