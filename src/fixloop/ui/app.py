"""The dashboard's FastAPI app: pages rendered on the server, a small JSON API, the live
stream, and the static files, all read-only over one store.

Pages: `/` (runs), `/runs/{name}`, `/trainings`, `/trainings/{name}?a=&b=` (with a skill
diff), `/memory` (memory cards and the critic), `/compare?a=&b=`. API: `/api/runs`,
`/api/runs/{name}`, `/api/compare?a=&b=`, and `/api/stream` (server-sent events, see
`fixloop.ui.live`). Static: `/static/` serves this package's `static/` files, the report's
stylesheet and script, and the `plotly.min.js` the installed plotly package ships, so
nothing is fetched from the network.

Templates autoescape every value (trajectories, thoughts and test output are written by
agents and tasks, so they are untrusted) and reuse the report's macros; chart data reaches a
page as JSON in a `<script type="application/json">` element (`script_json`). An unknown run,
training or skill version is a 404 page (JSON under `/api/`), never a server error. With a
token, `TokenGate` guards every route.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import plotly
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from fixloop.report.html_report import report_environment, script_json
from fixloop.store import Store
from fixloop.ui import pages
from fixloop.ui.auth import TokenGate
from fixloop.ui.live import run_events
from fixloop.ui.pages import SIMULATED_NOTE, NotFound
from fixloop.ui.settings import UISettings

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
"""plotly.js as the installed plotly package ships it."""


def create_app(
    store: Store,
    *,
    token: str | None = None,
    poll_seconds: float = 1.0,
    stopping: Callable[[], bool] = lambda: False,
) -> FastAPI:
    """The dashboard over `store` (closed when the app shuts down); every request must carry
    `token` when one is given (see `fixloop.ui.auth`). `poll_seconds` paces the live stream,
    which ends once `stopping()` says the server is shutting down."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(
        title="fixloop dashboard", docs_url=None, redoc_url=None, openapi_url=None, lifespan=lifespan
    )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _not_found(request, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            return _not_found(request, f"nothing at {request.url.path}")
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    @app.get("/", response_class=HTMLResponse)
    def runs_page() -> HTMLResponse:
        return _page("runs.html.j2", "runs", runs=pages.run_summaries(store))

    @app.get("/runs/{name:path}", response_class=HTMLResponse)
    def run_page(name: str) -> HTMLResponse:
        page = pages.run_page(store, name)
        return _page("run.html.j2", "runs", page=page, figures=page.figures)

    @app.get("/trainings", response_class=HTMLResponse)
    def trainings_page() -> HTMLResponse:
        return _page("trainings.html.j2", "trainings", trainings=pages.trainings(store))

    @app.get("/trainings/{name:path}", response_class=HTMLResponse)
    def training_page(name: str, a: str | None = None, b: str | None = None) -> HTMLResponse:
        page = pages.training_page(store, name, a, b)
        return _page("training.html.j2", "trainings", page=page, figures=page.figures)

    @app.get("/memory", response_class=HTMLResponse)
    def memory_page() -> HTMLResponse:
        page = pages.memory_page(store)
        return _page("memory.html.j2", "memory", page=page, figures=page.figures)

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(a: str | None = None, b: str | None = None) -> HTMLResponse:
        page = pages.compare_page(store, a, b)
        return _page("compare.html.j2", "compare", page=page, figures=page.figures)

    @app.get("/api/runs")
    def api_runs() -> list[pages.RunSummary]:
        return pages.run_summaries(store)

    @app.get("/api/runs/{name:path}")
    def api_run(name: str) -> pages.RunDetail:
        return pages.run_page(store, name).detail()

    @app.get("/api/compare")
    def api_compare(a: str, b: str) -> pages.ComparisonResult:
        return pages.compare_page(store, a, b).result()

    @app.get("/api/stream")
    def api_stream(request: Request) -> StreamingResponse:
        return StreamingResponse(
            run_events(store, request.is_disconnected, stopping, poll_seconds),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    @app.get("/static/plotly.min.js")
    def plotly_js() -> FileResponse:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    @app.get("/static/report.css")
    def report_css() -> Response:
        return Response(_report_asset("report.css"), media_type="text/css")

    @app.get("/static/report.js")
    def report_js() -> Response:
        return Response(_report_asset("report.js"), media_type="text/javascript")

    app.mount("/static", StaticFiles(packages=[("fixloop.ui", "static")]), name="static")
    if token is not None:
        app.add_middleware(TokenGate, token=token)
    return app


def build_server(settings: UISettings) -> uvicorn.Server:
    """The dashboard `settings` describe, ready to `run()`: its store opened (StoreError when
    it cannot be), its app, and uvicorn listening where `settings` say once run. On SIGINT or
    SIGTERM (or `should_exit`), open live streams end at their next poll, and uvicorn cuts any
    still open two seconds after that."""
    store = Store.open(settings.db)
    server: uvicorn.Server | None = None
    app = create_app(
        store,
        token=settings.token,
        poll_seconds=settings.poll_seconds,
        stopping=lambda: server is not None and server.should_exit,
    )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level="warning",
        timeout_graceful_shutdown=int(settings.poll_seconds) + 2,
    )
    server = uvicorn.Server(config)
    return server


def _page(template: str, section: str, figures: dict[str, Any] | None = None, **values: Any) -> HTMLResponse:
    html = (
        _environment()
        .get_template(template)
        .render(
            section=section,
            simulated_note=SIMULATED_NOTE,
            figures=figures or {},
            data_json=script_json({"charts": figures or {}}),
            **values,
        )
    )
    return HTMLResponse(html)


@cache
def _report_asset(name: str) -> str:
    # The report's stylesheet and script, served as they are: the dashboard shares its look,
    # and its chart drawing, table sorting and episode opening.
    return (resources.files("fixloop.report") / "templates" / name).read_text(encoding="utf-8")


def _not_found(request: Request, message: str) -> Response:
    if request.url.path.startswith("/api/"):
        return JSONResponse({"error": message}, status_code=404)
    page = _page("not_found.html.j2", "", message=message)
    page.status_code = 404
    return page


@cache
def _environment() -> jinja2.Environment:
    # The report's environment (its filters and macros.html.j2) with this package's templates first.
    return report_environment().overlay(
        loader=jinja2.ChoiceLoader(
            [
                jinja2.PackageLoader("fixloop.ui", "templates"),
                jinja2.PackageLoader("fixloop.report", "templates"),
            ]
        )
    )
