"""`fixloop.serve.asgi:app`: the server as an ASGI app, for `uvicorn fixloop.serve.asgi:app`
and for the `app:` of a published `openenv.yaml`.

The app is built on first access from environment variables, one per `ServeSettings`
field: `FIXLOOP_SERVE_SUITE`, `FIXLOOP_SERVE_PATH`, `FIXLOOP_SERVE_SPLIT`,
`FIXLOOP_SERVE_MAX_SESSIONS`, `FIXLOOP_SERVE_SESSION_TIMEOUT`, `FIXLOOP_SERVE_SANDBOX`,
`FIXLOOP_SERVE_REWARD`, `FIXLOOP_SERVE_DB`, `FIXLOOP_SERVE_RUN_NAME`, ... (host and port
are uvicorn's to choose). Pings and frame limits are uvicorn's flags in this mode.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from fastapi import FastAPI

from fixloop.serve.server import build_server
from fixloop.serve.settings import ServeSettings

PREFIX = "FIXLOOP_SERVE_"


def settings_from_environment(environ: dict[str, str] | None = None) -> ServeSettings:
    """`ServeSettings` from `FIXLOOP_SERVE_<FIELD>` variables; raises ValidationError on bad values."""
    environ = dict(os.environ if environ is None else environ)
    values = {
        name: environ[PREFIX + name.upper()]
        for name in ServeSettings.model_fields
        if PREFIX + name.upper() in environ
    }
    return ServeSettings.model_validate(values)


@functools.cache
def _app() -> FastAPI:
    return build_server(settings_from_environment()).app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(name)
