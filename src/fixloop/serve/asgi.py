"""`fixloop.serve.asgi:app`: the server as an ASGI app, for `uvicorn fixloop.serve.asgi:app`
and for the `app:` of a published `openenv.yaml`.

The app is built on first access from the environment's `FIXLOOP_*` variables (see
`fixloop.serve.environment_variables`: suite or tasks path, split, sandbox, reward) and
these, one per server setting: `FIXLOOP_MAX_SESSIONS`, `FIXLOOP_SESSION_TIMEOUT`,
`FIXLOOP_INVALID_ACTIONS`, `FIXLOOP_RUN_NAME`; the store is `FIXLOOP_DB`'s. Host, port,
pings and frame limits are uvicorn's flags in this mode.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI

from fixloop.serve.environment_variables import PREFIX, EnvironmentVariables
from fixloop.serve.server import build_server
from fixloop.serve.settings import ServeSettings

SERVER_VARIABLES = ("max_sessions", "session_timeout", "invalid_actions", "run_name")
"""The `ServeSettings` fields read from `FIXLOOP_<FIELD>`."""


def settings_from_environment(environ: Mapping[str, str] | None = None) -> ServeSettings:
    """`ServeSettings` from the `FIXLOOP_*` variables; raises ValidationError on bad values."""
    environ = os.environ if environ is None else environ
    variables = EnvironmentVariables.from_environ(environ)
    values: dict[str, Any] = {
        "suite": variables.suite,
        "path": variables.tasks_path,
        "split": variables.split,
        "sandbox": variables.sandbox,
        "reward": variables.reward,
    }
    for name in SERVER_VARIABLES:
        if environ.get(PREFIX + name.upper()):
            values[name] = environ[PREFIX + name.upper()]
    return ServeSettings.model_validate(values)


@functools.cache
def _app() -> FastAPI:
    return build_server(settings_from_environment()).app


def __getattr__(name: str) -> Any:
    if name == "app":
        return _app()
    raise AttributeError(name)
