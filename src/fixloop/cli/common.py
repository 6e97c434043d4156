"""What every command shares: the consoles, the common options, errors, and the `--json` ending.

A command either prints its data as JSON (`--json`) or a rich view of it; `emit` is that
choice, made in one place. Errors a user can fix end the command through `fail`, with the
message on standard error and exit status 2.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console, RenderableType

from fixloop.sandbox.base import Sandbox, SandboxError
from fixloop.sandbox.factory import make_sandbox
from fixloop.store import Store, StoreError
from fixloop.tasks.loader import TaskLoadError, load_suite, load_tasks
from fixloop.tasks.splits import DEFAULT_FRACTIONS
from fixloop.tasks.task import Task

out = Console()
err = Console(stderr=True)

SuiteOption = Annotated[str | None, typer.Option("--suite", help="A named suite: builtin.")]
PathOption = Annotated[
    Path | None, typer.Option("--path", help="A task directory, a suite directory, or a .jsonl file.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print the data as JSON instead of a table.")]
SandboxOption = Annotated[
    str, typer.Option("--sandbox", help="auto (bwrap when available), bwrap, or process.")
]
DbOption = Annotated[
    str | None,
    typer.Option("--db", help="The store's database URL (default: $FIXLOOP_DB, else .fixloop/fixloop.db)."),
]
RunArgument = Annotated[str, typer.Argument(metavar="RUN", help="The run's name or id.")]
RunsArgument = Annotated[list[str], typer.Argument(metavar="RUN...", help="Run names or ids.")]
ApiKeyOption = Annotated[
    str | None,
    typer.Option("--api-key", help="API key (default: $OPENAI_API_KEY); never stored or logged."),
]
DEFAULT_FRACTIONS_TEXT = ",".join(f"{share:g}" for share in DEFAULT_FRACTIONS)

JsonData = BaseModel | Sequence[BaseModel] | dict[str, Any] | list[Any]
"""What `emit` prints: a pydantic model, a list of them, or plain JSON-able data."""


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print `message` as an error and return the exit to raise: `raise fail("...")`."""
    # soft_wrap: paths and ids in the message stay whole when copied from the terminal.
    err.print(f"[bold red]error:[/] {message}", soft_wrap=True)
    return typer.Exit(code)


def to_json(data: JsonData) -> Any:
    """`data` as plain JSON-able values (pydantic models dumped in JSON mode)."""
    if isinstance(data, BaseModel):
        return data.model_dump(mode="json")
    if isinstance(data, list | tuple) and all(isinstance(item, BaseModel) for item in data):
        return [item.model_dump(mode="json") for item in data]
    return data


def print_json(data: JsonData) -> None:
    """Print `data` as indented JSON on standard output."""
    out.print_json(json.dumps(to_json(data)))


def emit(data: JsonData, view: Callable[[], RenderableType], as_json: bool) -> None:
    """The ending of every command that shows data: JSON with `--json`, else the rich view.

    `view` builds the renderable (a table, a `Group` of several) only when it is shown.
    """
    if as_json:
        print_json(data)
    else:
        out.print(view())


def load(suite: str | None, path: Path | None) -> list[Task]:
    """The tasks of `--suite` or `--path` (the builtin suite by default); fails on a bad source."""
    if suite and path:
        raise fail("give --suite or --path, not both")
    try:
        return load_tasks(path) if path else load_suite(suite or "builtin")
    except (TaskLoadError, FileNotFoundError) as exc:
        raise fail(str(exc)) from None


def open_sandbox(kind: str) -> Sandbox:
    """The sandbox `--sandbox` names; fails on an unknown or unavailable kind."""
    if kind not in ("auto", "bwrap", "process"):
        raise fail(f"unknown sandbox {kind!r}; choose auto, bwrap or process")
    try:
        return make_sandbox(kind)  # type: ignore[arg-type]
    except SandboxError as exc:
        raise fail(str(exc)) from None


def open_store(db: str | None) -> Store:
    """The store `--db` names; fails when it cannot be opened."""
    try:
        return Store.open(db)
    except StoreError as exc:
        raise fail(str(exc)) from None
