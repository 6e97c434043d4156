"""The `FIXLOOP_*` variables that configure fixloop's environment where no flags can:
`fixloop.serve.asgi:app` (uvicorn, a published `openenv.yaml`), `FixloopEnvironment()`
(the reference OpenEnv server calls it with no arguments) and `FixloopToolEnv()` (TRL does).

| variable | meaning | default |
|---|---|---|
| `FIXLOOP_SUITE` | the named task suite to offer | `builtin` |
| `FIXLOOP_TASKS_PATH` | a task directory, suite directory or JSONL file instead | — |
| `FIXLOOP_SPLIT` | offer one split only: `train`, `selection`, `test` or `all` | every split |
| `FIXLOOP_SANDBOX` | `auto`, `bwrap` or `process` | `auto` |
| `FIXLOOP_REWARD` | the reward scheme: `potential`, `tracefix` or `navrepair` | `potential` |

An empty variable counts as unset; setting both `FIXLOOP_SUITE` and `FIXLOOP_TASKS_PATH` is
an error. (`FIXLOOP_DB`, the store's URL, is read by the store itself.)
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from fixloop.sandbox.factory import SandboxKind
from fixloop.tasks.loader import load_suite, load_tasks
from fixloop.tasks.task import Task

PREFIX = "FIXLOOP_"


class EnvironmentVariables(BaseModel):
    """The environment's settings from `FIXLOOP_*` variables (see the module docstring)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    suite: str | None = Field(default=None, description="FIXLOOP_SUITE: a named suite (builtin by default).")
    tasks_path: Path | None = Field(default=None, description="FIXLOOP_TASKS_PATH: tasks to load instead.")
    split: str | None = Field(default=None, description="FIXLOOP_SPLIT: offer this split only.")
    sandbox: SandboxKind = Field(default="auto", description="FIXLOOP_SANDBOX: the sandbox kind.")
    reward: Literal["potential", "tracefix", "navrepair"] = Field(
        default="potential", description="FIXLOOP_REWARD: the reward scheme."
    )

    @model_validator(mode="after")
    def _one_task_source(self) -> EnvironmentVariables:
        if self.suite is not None and self.tasks_path is not None:
            raise ValueError("set FIXLOOP_SUITE or FIXLOOP_TASKS_PATH, not both")
        return self

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> EnvironmentVariables:
        """The settings `environ` (this process's environment by default) gives. Raises
        pydantic's ValidationError naming a variable whose value is not allowed."""
        environ = os.environ if environ is None else environ
        values = {name: environ.get(PREFIX + name.upper()) or None for name in cls.model_fields}
        return cls.model_validate({name: value for name, value in values.items() if value is not None})

    def load_tasks(self) -> tuple[Task, ...]:
        """The tasks these settings name, loaded once per process. Raises TaskLoadError."""
        return _load(self.suite, self.tasks_path)


@functools.cache
def _load(suite: str | None, tasks_path: Path | None) -> tuple[Task, ...]:
    return tuple(load_tasks(tasks_path) if tasks_path is not None else load_suite(suite or "builtin"))
