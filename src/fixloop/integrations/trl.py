"""`FixloopToolEnv`: fixloop's debugging environment for TRL's `GRPOTrainer(environment_factory=...)`.

TRL's contract (`environment_factory` since trl 0.29, `get_reward` since 1.8; transformers
>= 5.2): the trainer builds instances with no arguments, keeps them in a pool and reuses
them; each rollout calls `reset(**row)` with the dataset row (its `prompt` column included)
and appends the returned text to the prompt; every public method other than `reset` and
`get_reward` becomes a tool whose schema comes from its signature and Google-style
docstring; `get_reward()` scores the finished rollout, and a reward function may also read
the instances (`reward_func(environments, **kwargs)`).

So this class keeps to that shape:

- configuration comes from environment variables, read when an instance is built:
  `FIXLOOP_SERVER_URL` (`ws://host:port` or `http://host:port` of a running `fixloop
  serve`) drives the server over its OpenEnv `/ws` socket; without it the environment runs
  in this process, configured by the `FIXLOOP_*` variables of
  `fixloop.serve.environment_variables` (`FIXLOOP_SUITE` or `FIXLOOP_TASKS_PATH`,
  `FIXLOOP_SPLIT`, `FIXLOOP_SANDBOX`, `FIXLOOP_REWARD`). With a server, those are the
  server's own settings and are ignored here;
- a row picks its task as a server reset does (`fixloop.serve.catalog`): `task_id`, or
  `split` + `index`, or `seed`; other columns are ignored;
- the tools are the nine actions, `reset` renamed `reset_repository`; each returns the
  rendered observation. Nothing a model sends raises: an invalid argument is rejected as
  text (no step is taken, as the server rejects it), and a server that fails mid-episode
  ends the episode as an infrastructure error, also as text;
- `close` is an attribute, not a method, so TRL does not offer it to the model as a tool.
  It releases the connection or the episode's workspace; so does garbage collection and
  interpreter exit. In-process, every instance of a process shares one sandbox, made by the
  first reset, so building an instance costs nothing.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import itertools
import json
import os
import weakref
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import websockets.exceptions
from pydantic import BaseModel, ConfigDict, Field
from websockets.sync.client import ClientConnection, connect

from fixloop.core.grade import Grade, GradeOutcome
from fixloop.env.actions import ActionParseError, parse_action
from fixloop.env.debug_env import DebugEnv, EnvConfig
from fixloop.env.observation import Observation
from fixloop.sandbox.base import Sandbox
from fixloop.sandbox.factory import SandboxKind, make_sandbox
from fixloop.serve.catalog import TaskCatalog
from fixloop.serve.environment_variables import EnvironmentVariables
from fixloop.serve.wire import ResetParams, WSErrorCode

PROMPT_FOOTER = (
    "Fix the bug with the tools. Your work is graded when you call `submit` "
    "(or when the steps run out), and only then."
)
"""Appended to the first observation in the prompt: without `submit` a rollout scores 0."""

REPLY_TIMEOUT_S = 600.0
"""Longest wait for the server's reply to one frame (a step may run the task's tests)."""

CONNECT_TIMEOUT_S = 30.0
"""Longest wait for the server to accept the socket."""


class ToolEnvSettings(BaseModel):
    """Where a `FixloopToolEnv` gets its episodes; built from the environment variables."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    server_url: str | None = Field(
        default=None, description="A running `fixloop serve` (FIXLOOP_SERVER_URL); None runs in-process."
    )
    local: EnvironmentVariables = Field(
        default_factory=EnvironmentVariables, description="The in-process environment's settings."
    )

    @classmethod
    def from_environ(cls) -> ToolEnvSettings:
        """The settings the FIXLOOP_* variables give (empty ones count as unset); with a
        server, only FIXLOOP_SERVER_URL is read.

        Raises pydantic's ValidationError for a value that is not allowed.
        """
        server_url = os.environ.get("FIXLOOP_SERVER_URL") or None
        if server_url is not None:
            return cls(server_url=server_url)
        return cls(local=EnvironmentVariables.from_environ())


class EnvServerError(RuntimeError):
    """The environment server refused a reset or could not be reached; `code` is its error code."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class _Rejected(ValueError):
    """The action is invalid; no step was taken. The message says why, for the model."""


class _NoEpisode(RuntimeError):
    """A step came with no episode open (before reset, or after close)."""


@dataclass
class _Reply:
    """One observation and what came with it (a step's `info`, a payload's `metadata`)."""

    observation: Observation
    info: dict[str, Any]


class _Transport(Protocol):
    """How a `FixloopToolEnv` reaches its environment; holds nothing until the first reset."""

    def reset(self, params: ResetParams) -> _Reply:
        """Start the episode `params` names. Raises TaskSelectionError or EnvServerError."""
        ...

    def step(self, action: dict[str, Any]) -> _Reply:
        """Take one action. Raises _Rejected, _NoEpisode, or EnvServerError when the server fails."""
        ...

    def close(self) -> None:
        """Release the episode and the connection; a later reset opens them again. Never raises."""
        ...


@functools.cache
def _catalog(local: EnvironmentVariables) -> TaskCatalog:
    """The offered tasks, loaded once per process."""
    return TaskCatalog(local.load_tasks(), split=local.split)


@functools.cache
def _shared_sandbox(kind: SandboxKind, pid: int) -> Sandbox:
    """One sandbox per process and kind (`pid` keeps a forked child from using its parent's)."""
    sandbox = make_sandbox(kind)
    atexit.register(sandbox.close)
    return sandbox


class _LocalTransport:
    """A `DebugEnv` in this process, on the process's shared sandbox."""

    def __init__(self, settings: ToolEnvSettings) -> None:
        self._settings = settings
        self._env: DebugEnv | None = None
        self._in_episode = False

    def reset(self, params: ResetParams) -> _Reply:
        local = self._settings.local
        catalog = _catalog(local)
        task = catalog.select(
            task_id=params.task_id, split=params.split, index=params.index, seed=params.seed
        )
        if self._env is None:
            self._env = DebugEnv(_shared_sandbox(local.sandbox, os.getpid()), EnvConfig(reward=local.reward))
        observation = self._env.reset(task)
        self._in_episode = True
        return _Reply(observation, {})

    def step(self, action: dict[str, Any]) -> _Reply:
        if self._env is None or not self._in_episode:
            raise _NoEpisode
        try:
            parsed = parse_action(action)
        except ActionParseError as exc:
            raise _Rejected(str(exc)) from None
        result = self._env.step(parsed)
        if result.done:  # the grade is in `info`: free the workspace and its warm worker now
            self.close()
        return _Reply(result.observation, result.info)

    def close(self) -> None:
        if self._env is not None:
            self._env.close()
        self._in_episode = False


def socket_url(server_url: str) -> str:
    """The `/ws` address of the server at `server_url` (`http(s)://` or `ws(s)://`, path optional)."""
    parts = urlsplit(server_url)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise ValueError(f"FIXLOOP_SERVER_URL must be an http(s):// or ws(s):// address, not {server_url!r}")
    path = parts.path.rstrip("/")
    if not path.endswith("/ws"):
        path += "/ws"
    return urlunsplit((scheme, parts.netloc, path, parts.query, ""))


class _RemoteTransport:
    """A `fixloop serve` session over its `/ws` socket (see `fixloop.serve.socket_session`).

    Every frame carries an `id`, which the reply must echo; a reply to another frame means
    the socket is out of step and it is dropped.
    """

    def __init__(self, server_url: str) -> None:
        self._url = socket_url(server_url)
        self._socket: ClientConnection | None = None
        self._exits = contextlib.ExitStack()  # closes the socket; websockets >= 17 wants it entered
        self._ids = itertools.count(1)

    def reset(self, params: ResetParams) -> _Reply:
        if self._socket is None:
            try:
                self._socket = self._exits.enter_context(
                    connect(self._url, open_timeout=CONNECT_TIMEOUT_S, max_size=None)
                )
            except (OSError, TimeoutError, websockets.exceptions.WebSocketException) as exc:
                raise EnvServerError(
                    f"cannot connect to the environment server at {self._url}: {exc}"
                ) from None
        reply = self._ask({"type": "reset", "data": params.model_dump(exclude_none=True)})
        return self._observation(reply)

    def step(self, action: dict[str, Any]) -> _Reply:
        if self._socket is None:
            raise _NoEpisode
        reply = self._ask({"type": "step", "data": action})
        if reply["type"] == "error" and reply["data"].get("code") == WSErrorCode.VALIDATION_ERROR:
            raise _Rejected(str(reply["data"].get("message")))
        return self._observation(reply)

    def close(self) -> None:
        socket, self._socket = self._socket, None
        if socket is None:
            return
        try:
            socket.send(json.dumps({"type": "close"}))
        except (OSError, websockets.exceptions.WebSocketException):
            pass  # already gone: the server reaps the session
        finally:
            self._exits.close()

    def _ask(self, frame: dict[str, Any]) -> dict[str, Any]:
        """Send `frame` and return its reply. Raises EnvServerError (and drops the socket)
        when the socket fails, times out or answers out of step, or when the server speaks
        of the connection itself (an error frame with no `id`, such as CAPACITY_REACHED)."""
        socket = self._socket
        assert socket is not None
        frame_id = next(self._ids)
        try:
            socket.send(json.dumps({**frame, "id": frame_id}))
            reply = json.loads(socket.recv(timeout=REPLY_TIMEOUT_S))
        except (OSError, TimeoutError, ValueError, websockets.exceptions.WebSocketException) as exc:
            parting = _connection_error(_last_frame(socket))
            self.close()
            raise parting or EnvServerError(
                f"the environment server failed: {type(exc).__name__}: {exc}"
            ) from None
        problem = _connection_error(reply)
        if problem is None and (not isinstance(reply, dict) or reply.get("id") != frame_id):
            problem = EnvServerError(f"the environment server answered out of step: {str(reply)[:200]}")
        if problem is not None:
            self.close()
            raise problem
        return reply

    def _observation(self, reply: dict[str, Any]) -> _Reply:
        data = reply.get("data") or {}
        if reply["type"] != "observation":
            raise EnvServerError(str(data.get("message", reply)), code=data.get("code"))
        observation = Observation.model_validate(
            {**data["observation"], "reward": data["reward"], "done": data["done"]}
        )
        return _Reply(observation, dict(data.get("metadata") or {}))


def _last_frame(socket: ClientConnection) -> object:
    """A frame the server sent before it closed `socket`, or None."""
    try:
        return json.loads(socket.recv(timeout=0))
    except (OSError, TimeoutError, ValueError, websockets.exceptions.WebSocketException):
        return None


def _connection_error(frame: object) -> EnvServerError | None:
    """The server's word on the connection itself: an error frame answering no frame (no `id`)."""
    if not isinstance(frame, dict) or frame.get("type") != "error" or "id" in frame:
        return None
    data = frame.get("data") or {}
    return EnvServerError(str(data.get("message")), code=data.get("code"))


def _open_transport(settings: ToolEnvSettings) -> _Transport:
    if settings.server_url:
        return _RemoteTransport(settings.server_url)
    return _LocalTransport(settings)


class FixloopToolEnv:
    """One rollout's debugging episode, as TRL tools (see the module docstring).

    After an episode these attributes hold what reward functions may read: `task_id`,
    `done`, `grade` (the `Grade`, once the work was graded), `shaped_return` (the sum of
    the shaped step rewards of `FIXLOOP_REWARD`'s scheme) and `infra_error` (why the
    episode broke down through no fault of the model, or None).
    """

    def __init__(self) -> None:
        """Read the FIXLOOP_* variables; opens nothing until the first `reset`.

        Raises pydantic's ValidationError for a variable with a value that is not allowed,
        and ValueError for a FIXLOOP_SERVER_URL that is not an http(s):// or ws(s):// address.
        """
        self._setup(ToolEnvSettings.from_environ())

    def _setup(self, settings: ToolEnvSettings) -> None:
        self._settings = settings
        self._transport = _open_transport(settings)
        self.close: weakref.finalize[[], FixloopToolEnv] = weakref.finalize(self, self._transport.close)
        self.task_id: str | None = None
        self.done = False
        self.grade: Grade | None = None
        self.shaped_return = 0.0
        self.infra_error: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        """A pickled environment is its settings: the copy starts with no episode."""
        return {"settings": self._settings}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._setup(state["settings"])

    def reset(self, **row: Any) -> str:
        """Start an episode on the task `row` names and return its prompt.

        `row` may hold `task_id`, or `split` and `index`, or `seed` (see
        `fixloop.serve.catalog`); its other keys are ignored. The prompt is the first
        observation, rendered, followed by `PROMPT_FOOTER`. Raises pydantic's
        ValidationError for a selection of the wrong type, TaskSelectionError for a task
        that is not offered, and EnvServerError when the server refuses or cannot be reached.
        """
        if not self.close.alive:  # closed before: arm the release again for the new episode
            self.close = weakref.finalize(self, self._transport.close)
        reply = self._transport.reset(ResetParams.model_validate(row))
        self.task_id = reply.observation.task_id
        self.done = False
        self.grade = None
        self.shaped_return = 0.0
        self.infra_error = None
        return f"{reply.observation.render()}\n\n{PROMPT_FOOTER}"

    def get_reward(self) -> float | None:
        """The episode's grade score: 1.0 for a full fix, partial credit in between, 0.0
        when the work was never graded (no `submit` before the rollout stopped).

        None when the episode ended in an infrastructure error: TRL leaves such a rollout
        unscored rather than blaming the model.
        """
        if self.infra_error is not None:
            return None
        return self.grade.score if self.grade is not None else 0.0

    # ---- the tools ---------------------------------------------------------------------------

    def view_code(
        self, path: str | None = None, start_line: int | None = None, end_line: int | None = None
    ) -> str:
        """Show a line-numbered window of a file, or the repository tree when no path is given.

        Args:
            path: The file to show, relative to the repository root; omit it for the tree.
            start_line: The first line to show (1-based); omit it to start at line 1.
            end_line: The last line to show (inclusive); omit it for a window of about 60 lines.

        Returns:
            The observation after the action.
        """
        return self._act("view_code", path=path, start_line=start_line, end_line=end_line)

    def read_file(self, path: str) -> str:
        """Show a whole file with line numbers.

        Args:
            path: The file to read, relative to the repository root.

        Returns:
            The observation after the action.
        """
        return self._act("read_file", path=path)

    def search_code(self, query: str, path: str | None = None) -> str:
        """Find the lines containing a text (case-insensitive).

        Args:
            query: The text to look for.
            path: A file or directory to search in; omit it to search the whole repository.

        Returns:
            The observation after the action, listing the matching lines.
        """
        return self._act("search_code", query=query, path=path)

    def replace_lines(self, path: str, start_line: int, end_line: int, new_code: str) -> str:
        """Replace a range of lines of a file with new code.

        When the new code starts at column 0 and the replaced lines are indented, every
        line of it is indented by the replaced lines' indentation.

        Args:
            path: The file to edit, relative to the repository root.
            start_line: The first line to replace (1-based).
            end_line: The last line to replace (inclusive).
            new_code: The code that takes the place of those lines.

        Returns:
            The observation after the edit.
        """
        return self._act(
            "replace_lines", path=path, start_line=start_line, end_line=end_line, new_code=new_code
        )

    def write_file(self, path: str, content: str) -> str:
        """Create a file or overwrite it with new content.

        Args:
            path: The file to write, relative to the repository root.
            content: The file's whole new content.

        Returns:
            The observation after the edit.
        """
        return self._act("write_file", path=path, content=content)

    def run_tests(self, target: str | None = None, coverage: bool = False) -> str:
        """Run the tests and show their results.

        Args:
            target: Test paths or pytest node ids, space-separated; omit it to run the task's tests.
            coverage: Also report which lines the failing and passing tests executed (slower).

        Returns:
            The observation after the run, with the test results.
        """
        return self._act("run_tests", target=target, coverage=coverage)

    def undo_edit(self) -> str:
        """Revert the most recent edit.

        Returns:
            The observation after the action.
        """
        return self._act("undo_edit")

    def reset_repository(self) -> str:
        """Put the repository back to its original buggy state, undoing every edit (steps still count).

        Returns:
            The observation after the action.
        """
        return self._act("reset")

    def submit(self) -> str:
        """Finish the episode and have the work graded by the task's tests. Call it once the fix is done.

        Returns:
            The final observation, with the grade.
        """
        return self._act("submit")

    def _act(self, action_type: str, **fields: Any) -> str:
        """Take one action and return the text the model reads; never raises."""
        if self.done:
            return self._episode_over()
        action = {
            "action_type": action_type,
            **{key: value for key, value in fields.items() if value is not None},
        }
        try:
            reply = self._transport.step(action)
        except _Rejected as exc:
            return f"Rejected, no step was taken: {exc}"
        except _NoEpisode:
            return "There is no episode: the environment was not reset, or it was closed."
        except EnvServerError as exc:
            self.done = True
            self.infra_error = str(exc)
            return f"The episode is over: {exc}. This is not your fault and is not scored."
        self.shaped_return += reply.observation.reward
        self.done = reply.observation.done
        if "grade" in reply.info:  # every infrastructure failure ends the episode with such a grade
            self.grade = Grade.model_validate(reply.info["grade"])
            if self.grade.outcome is GradeOutcome.infra_error:
                self.infra_error = self.grade.error or "the environment failed"
        return reply.observation.render()

    def _episode_over(self) -> str:
        if self.infra_error is not None:
            return "The episode is over (an infrastructure error, not scored); no action is taken."
        if self.grade is None:
            return "The episode is over; no action is taken."
        grade = self.grade
        return f"The episode is over ({grade.outcome.value}, score {grade.score:.2f}); no action is taken."
