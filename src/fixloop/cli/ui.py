"""`fixloop ui`: the live dashboard over the store (see `fixloop.ui`)."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError

from fixloop.cli.common import DbOption, err, fail
from fixloop.store import StoreError
from fixloop.ui.app import build_server
from fixloop.ui.settings import UISettings


def ui(
    db: DbOption = None,
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on; anything but loopback needs --token.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8050,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="FIXLOOP_UI_TOKEN",
            show_envvar=True,
            help="A secret (16+ characters) every request must carry: open /?token=TOKEN once, or send "
            "Authorization: Bearer TOKEN.",
        ),
    ] = None,
) -> None:
    """Serve the dashboard until Ctrl-C: runs (live while they play), each run's failures,
    strategies and trajectories, trainings, memory and the critic, and comparisons.

    It only reads the store. It listens on 127.0.0.1 unless --host says otherwise, and refuses
    any other interface without --token.
    """
    try:
        settings = UISettings(db=db, host=host, port=port, token=token)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = ".".join(str(part) for part in problem["loc"])
        message = str(problem["msg"]).removeprefix("Value error, ")
        raise fail(f"--{field}: {message}" if field else message) from None
    try:
        server = build_server(settings)
    except StoreError as exc:
        raise fail(str(exc)) from None
    shown = f"http://{host}:{port}/" + ("?token=<your token>" if token else "")
    err.print(f"fixloop ui: the store's dashboard on {shown} (Ctrl-C stops it)", soft_wrap=True)
    server.run()
