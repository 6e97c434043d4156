"""The OpenEnv wire format of fixloop's environment: payloads, schemas, error codes.

Shared by the server (`fixloop.serve.app`) and the integrations, so every surface sends
the same bytes for the same episode state:

- an observation payload is `{"observation": {...}, "reward": r, "done": d, "metadata": {...}}`,
  where `observation` is fixloop's `Observation` without `reward` and `done` (which the
  payload carries beside it, as the reference `serialize_observation` does);
- `metadata` holds the step's `info` (the grade once graded, `truncated`, `infra_error`)
  and the serving `session_id`;
- the state is `ServedState`: the environment's `EnvState` plus the reference's
  `episode_id`;
- `/ws` errors are `{"type": "error", "data": {"message": ..., "code": ...}}` with the
  reference's codes (`WSErrorCode`).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from fixloop.env.actions import action_json_schema
from fixloop.env.debug_env import EnvState, StepResult
from fixloop.env.observation import Observation

ENV_NAME = "fixloop"
"""The environment's name in the task API (`/fixloop/splits`, ...)."""


class WSErrorCode(StrEnum):
    """The reference server's `/ws` error codes."""

    INVALID_JSON = "INVALID_JSON"
    UNKNOWN_TYPE = "UNKNOWN_TYPE"
    VALIDATION_ERROR = "VALIDATION_ERROR"
    EXECUTION_ERROR = "EXECUTION_ERROR"
    CAPACITY_REACHED = "CAPACITY_REACHED"
    FACTORY_ERROR = "FACTORY_ERROR"
    SESSION_ERROR = "SESSION_ERROR"


class ServedState(EnvState):
    """What `state` answers: the episode's `EnvState` and the reference's `episode_id`."""

    episode_id: str | None = Field(default=None, description="The served episode's id.")


class ResetParams(BaseModel):
    """What a reset may carry (see `fixloop.serve.catalog` for how the task is chosen).

    Unknown keys are ignored, as the reference server ignores keys its `reset` does not take.
    """

    task_id: str | None = Field(default=None, max_length=200, description="The task to start.")
    split: str | None = Field(default=None, max_length=50, description="The split `index` counts in.")
    index: int | None = Field(default=None, ge=0, description="The task's position in its split.")
    seed: int | None = Field(default=None, ge=0, description="Draws the task when no id or index is given.")
    episode_id: str | None = Field(default=None, max_length=255, description="A client's own episode id.")


def observation_payload(observation: Observation, *, metadata: dict[str, Any]) -> dict[str, Any]:
    """The reference payload of `observation` (see the module docstring)."""
    return {
        "observation": observation.model_dump(mode="json", exclude={"reward", "done"}),
        "reward": observation.reward,
        "done": observation.done,
        "metadata": metadata,
    }


def step_payload(result: StepResult, *, session_id: str) -> dict[str, Any]:
    """The reference payload of one step's result, its `info` in `metadata`."""
    return observation_payload(result.observation, metadata={**result.info, "session_id": session_id})


def schemas() -> dict[str, Any]:
    """`GET /schema`: the action, observation and state JSON schemas."""
    observation = Observation.model_json_schema()
    observation["properties"] = {
        name: field for name, field in observation["properties"].items() if name not in ("reward", "done")
    }
    # Every action names its type; said at the top too, for clients that read only there.
    action = {**action_json_schema(), "required": ["action_type"]}
    return {"action": action, "observation": observation, "state": ServedState.model_json_schema()}


MCP_METHOD_NOT_FOUND = -32601


def mcp_error(request_id: object) -> dict[str, Any]:
    """The JSON-RPC answer to any MCP request: fixloop is not an MCP environment."""
    return {
        "jsonrpc": "2.0",
        "id": request_id if isinstance(request_id, str | int) and not isinstance(request_id, bool) else None,
        "error": {
            "code": MCP_METHOD_NOT_FOUND,
            "message": "fixloop is not an MCP environment; drive it through /ws, or /reset and /step",
        },
    }


def error_frame(message: str, code: WSErrorCode, **extra: Any) -> dict[str, Any]:
    """A `/ws` error frame."""
    return {"type": "error", "data": {"message": message, "code": code.value, **extra}}
