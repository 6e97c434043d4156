"""fixloop as an environment on the reference OpenEnv base classes (`pip install 'fixloop[openenv]'`).

`FixloopEnvironment` is an `openenv` `Environment`: the reference server serves it with
one call, and NeMo Gym-style trainers import it and call `reset` / `step` / `state`
in-process. Each instance owns one `DebugEnv` and its own sandbox (closed by `close()`),
so the reference server may run many sessions at once (`SUPPORTS_CONCURRENT_SESSIONS`).

    app = create_app(FixloopEnvironment.factory(sandbox="process"), FixloopAction,
                     FixloopObservation, env_name=ENV_NAME, max_concurrent_envs=8,
                     state_cls=FixloopState)

The wire format is fixloop's own (`fixloop.serve.wire`):

- a step sends the dict fixloop's `/ws` server accepts: `action_type` plus that action's
  fields (`fixloop.env.actions`), any case of the name and the `new_code_block` alias
  included, and null fields ignored (so a dumped `FixloopAction` is accepted back);
- an observation carries fixloop's `Observation` fields, its `reward` and `done`, and the
  step's `info` in `metadata` (the grade once graded, `truncated`, `infra_error`);
- the state is fixloop's `EnvState` plus the reference's `episode_id`;
- `reset` names its task as `fixloop.serve.catalog` says: `task_id`, or `split` and
  `index`, or a `seed` (keys `reset` does not know are ignored, as the reference does).

Errors: a malformed action is refused before it reaches the episode and costs no step
(pydantic `ValidationError` whose message is fixloop's `parse_action` message; the
reference server answers a `VALIDATION_ERROR` frame carrying it in `errors[0].msg`, and
the session goes on). A well-formed action that fails (a missing file, a line range past
the end) is a step like any other: its observation carries `last_action_error` and the
reward scheme's penalty. A reset naming no offered task raises `TaskSelectionError`
saying what exists (the reference answers `EXECUTION_ERROR` with that message) and
leaves the current episode as it was. Nothing sent to a client holds a task's reference
fix: tasks are described by `TaskCatalog.describe`.

Configuration. The reference server calls its factory with no arguments, so a
`FixloopEnvironment()` reads the `FIXLOOP_*` variables (`FIXLOOP_SUITE` or
`FIXLOOP_TASKS_PATH`, `FIXLOOP_SPLIT`, `FIXLOOP_SANDBOX`, `FIXLOOP_REWARD`; see
`fixloop.serve.environment_variables`); Python callers pass the same settings as keyword
arguments (`FixloopEnvironment(tasks=..., sandbox="process")`, or
`FixloopEnvironment.factory(...)` for `create_app`), which win over the variables.
"""

from __future__ import annotations

import contextlib
import functools
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

try:
    from openenv.core.env_server.interfaces import Environment
    from openenv.core.env_server.types import Action as OpenEnvAction
    from openenv.core.env_server.types import EnvironmentMetadata
    from openenv.core.env_server.types import Observation as OpenEnvObservation
    from openenv.core.env_server.types import State as OpenEnvState
except ImportError as exc:
    raise ImportError(
        "fixloop.integrations.openenv_env needs the reference OpenEnv package: pip install 'fixloop[openenv]'"
    ) from exc

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from fixloop import __version__
from fixloop.env.actions import ACTION_TYPES, Action, ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.env.observation import Observation
from fixloop.sandbox.factory import SandboxKind, make_sandbox
from fixloop.serve.catalog import TaskCatalog, TaskSelectionError
from fixloop.serve.environment_variables import EnvironmentVariables
from fixloop.serve.wire import ENV_NAME, ResetParams, ServedState
from fixloop.tasks.task import Task

__all__ = [
    "ENV_NAME",
    "FixloopAction",
    "FixloopEnvironment",
    "FixloopObservation",
    "FixloopState",
    "TaskLookupError",
]


class FixloopAction(OpenEnvAction):
    """One fixloop action, flat: `action_type` plus the fields of that action.

    Validated by `fixloop.env.actions.parse_action`, so it accepts exactly what fixloop's
    own server accepts and refuses the rest with fixloop's message (a `ValidationError`
    of type `invalid_action`). Fields an action does not take must be absent or null.
    """

    action_type: str = Field(
        description="The action: one of " + ", ".join(ACTION_TYPES) + ".",
        json_schema_extra={"enum": list(ACTION_TYPES)},
    )
    thought: str | None = Field(default=None, description="Optional reasoning behind the action.")
    path: str | None = Field(
        default=None,
        description="The file (view_code, read_file, replace_lines, write_file) or the file or "
        "directory to search (search_code); view_code without it shows the repository tree.",
    )
    start_line: int | None = Field(
        default=None, description="First line, 1-based (view_code, replace_lines)."
    )
    end_line: int | None = Field(default=None, description="Last line, inclusive (view_code, replace_lines).")
    query: str | None = Field(default=None, description="The text to find, case-insensitive (search_code).")
    new_code: str | None = Field(
        default=None, description="The lines that replace start_line..end_line (replace_lines)."
    )
    content: str | None = Field(default=None, description="The whole new file (write_file).")
    target: str | None = Field(
        default=None, description="Test paths or node ids, space-separated (run_tests; default: the task's)."
    )
    coverage: bool | None = Field(
        default=None, description="Also report which lines the tests executed (run_tests)."
    )

    @model_validator(mode="before")
    @classmethod
    def _fixloop_action(cls, data: Any) -> Any:
        """Check `data` with `parse_action` and hand on the action it names, normalized."""
        if not isinstance(data, Mapping):
            return data
        fields = {key: value for key, value in data.items() if value is not None}
        metadata = fields.pop("metadata", None)
        try:
            action = parse_action(fields)
        except ActionParseError as exc:
            raise PydanticCustomError("invalid_action", "{reason}", {"reason": str(exc)}) from None
        normalized = action.model_dump(exclude_none=True)
        if metadata is not None:
            normalized["metadata"] = metadata
        return normalized

    def fixloop_action(self) -> Action:
        """The fixloop action this carries."""
        return parse_action(self.model_dump(exclude={"metadata"}, exclude_none=True))


class FixloopObservation(OpenEnvObservation, Observation):
    """fixloop's `Observation` on the reference base: its fields, `reward` and `done`, and
    the step's `info` in `metadata`. `render()` gives the text a language model reads."""


class FixloopState(OpenEnvState, ServedState):
    """fixloop's `EnvState` plus the reference's `episode_id` (`ServedState`)."""


class TaskLookupError(TaskSelectionError, IndexError):
    """A task-API call names no offered split or index. An `IndexError` as well, as the
    task protocol asks, so the reference server answers 400 rather than 500."""


class FixloopEnvironment(Environment):
    """fixloop's debugging environment as an OpenEnv `Environment` (see the module docstring).

    One episode at a time per instance; `close()` ends it and closes the sandbox, after
    which the instance is done.
    """

    SUPPORTS_CONCURRENT_SESSIONS = True

    def __init__(
        self,
        *,
        tasks: Sequence[Task] | None = None,
        split: str | None = None,
        sandbox: SandboxKind | None = None,
        reward: str | None = None,
    ) -> None:
        """Offer `tasks` (default: `FIXLOOP_TASKS_PATH` or `FIXLOOP_SUITE`), `split` of them
        alone (default: `FIXLOOP_SPLIT`, else every split), test in a `sandbox` of that kind
        (default: `FIXLOOP_SANDBOX`, else auto) and reward with the scheme `reward`
        (default: `FIXLOOP_REWARD`, else potential).

        Raises ValueError when the settings are invalid (an unknown split, sandbox kind or
        reward scheme, both task variables set), `TaskLoadError` when the tasks cannot be
        loaded, and `SandboxError` when a bwrap sandbox is asked for but unavailable.
        """
        super().__init__()
        variables = EnvironmentVariables.from_environ()
        self._catalog = TaskCatalog(
            variables.load_tasks() if tasks is None else tasks, split=split or variables.split
        )
        config = EnvConfig.model_validate({"reward": reward or variables.reward})
        self._sandbox = make_sandbox(sandbox or variables.sandbox)
        self._env = DebugEnv(self._sandbox, config)
        self._episode_id: str | None = None

    @classmethod
    def factory(
        cls,
        *,
        tasks: Sequence[Task] | None = None,
        split: str | None = None,
        sandbox: SandboxKind | None = None,
        reward: str | None = None,
    ) -> Callable[[], FixloopEnvironment]:
        """A zero-argument factory for `create_app`: each call builds an instance with these
        settings (the constructor's). Builds and closes one now, so invalid settings raise
        here rather than at a client's first session."""
        make = functools.partial(
            cls,
            tasks=None if tasks is None else tuple(tasks),
            split=split,
            sandbox=sandbox,
            reward=reward,
        )
        make().close()
        return make

    # ---- the OpenEnv surface -----------------------------------------------------------------

    def reset(
        self,
        seed: int | None = None,
        episode_id: str | None = None,
        task_id: str | None = None,
        split: str | None = None,
        index: int | None = None,
        **kwargs: Any,
    ) -> FixloopObservation:
        """Start an episode on the task named by `task_id`, or `split` and `index`, or drawn
        with `seed` (see `fixloop.serve.catalog`); `episode_id` defaults to a fresh uuid.
        Other keyword arguments are ignored.

        Raises pydantic's `ValidationError` for ill-typed or out-of-range values and
        `TaskSelectionError` when no offered task matches; either way the current episode
        is left as it was.
        """
        params = ResetParams(task_id=task_id, split=split, index=index, seed=seed, episode_id=episode_id)
        task = self._catalog.select(
            task_id=params.task_id, split=params.split, index=params.index, seed=params.seed
        )
        observation = self._env.reset(task)
        self._episode_id = params.episode_id or str(uuid.uuid4())
        return FixloopObservation(**dict(observation), metadata={})

    def step(
        self,
        action: FixloopAction | Mapping[str, Any],
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> FixloopObservation:
        """Apply one action (a `FixloopAction`, or a dict validated as one) and return what the
        agent sees. `timeout_s` is ignored: test runs are bounded by the task's own timeout.

        Raises `ValidationError` for a malformed action (no step is taken) and RuntimeError
        before the first `reset`; every other problem is part of the observation.
        """
        checked: FixloopAction = (
            action if isinstance(action, FixloopAction) else FixloopAction.model_validate(action)
        )
        if self._episode_id is None:
            raise RuntimeError(
                "no episode: call reset() first (over HTTP, use the /ws session, as OpenEnv clients "
                "do: each stateless POST /step gets a fresh environment)"
            )
        result = self._env.step(checked.fixloop_action())
        return FixloopObservation(**dict(result.observation), metadata=result.info)

    @property
    def state(self) -> FixloopState:
        """The episode's `EnvState` and `episode_id` (an empty state before the first reset)."""
        return FixloopState(**dict(self._env.state()), episode_id=self._episode_id)

    def get_metadata(self) -> EnvironmentMetadata:
        """The environment's name (`fixloop`), description and fixloop's version."""
        return EnvironmentMetadata(
            name=ENV_NAME,
            description="Debugging tasks: fix a buggy repository until its tests pass, then submit.",
            version=__version__,
        )

    def close(self) -> None:
        """End the episode and close the sandbox. Idempotent."""
        self._env.close()
        self._sandbox.close()

    # ---- the task API (the reference server's `/fixloop/...` routes) ---------------------------

    def list_splits(self) -> list[str]:
        """The offered splits, in their fixed order."""
        return self._catalog.split_names

    def list_tasks(self, split: str) -> list[dict[str, Any]]:
        """The public facts of every task of `split`, sorted by id. Raises TaskLookupError."""
        with _as_lookup_error():
            return [TaskCatalog.describe(task) for task in self._catalog.tasks(split)]

    def num_tasks(self, split: str) -> int:
        """How many tasks `split` holds. Raises TaskLookupError."""
        with _as_lookup_error():
            return len(self._catalog.tasks(split))

    def get_task(self, split: str, index: int) -> dict[str, Any]:
        """The public facts of the task at `index` of `split`. Raises TaskLookupError."""
        with _as_lookup_error():
            return TaskCatalog.describe(self._catalog.task(split, index))

    def get_task_range(
        self, split: str, start: int | None = None, stop: int | None = None
    ) -> list[dict[str, Any]]:
        """The public facts of the tasks `start:stop` (slice bounds) of `split`. Raises TaskLookupError."""
        with _as_lookup_error():
            return [TaskCatalog.describe(task) for task in self._catalog.tasks(split)[start:stop]]


@contextlib.contextmanager
def _as_lookup_error() -> Iterator[None]:
    """Re-raise the catalog's `TaskSelectionError` as a `TaskLookupError`."""
    try:
        yield
    except TaskSelectionError as exc:
        raise TaskLookupError(str(exc)) from None
