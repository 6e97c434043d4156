"""`LLMAgent`: asks a `Model` for each action, one per reply.

The state is a plain message list: the system prompt, then alternating user (the rendered
observation) and assistant (the model's reply) turns. Each `act`:

1. checks the agent's own limits (steps, wall time) before spending a call;
2. sends the system prompt and the last `history_window` exchanges to the model;
3. repairs the reply (`extract_action`) and parses it strictly (`parse_action`).

How the model writes its action is `action_format`. With "json" it writes a JSON object
(the action schema is sent as structured output). With "tools" every action type is
offered as an OpenAI tool (`action_tools`, generated from the same schema) and the action
is the reply's one tool call; the history holds that call written out as the JSON action,
so every turn stays plain text. Several tool calls, arguments that are not a JSON object
and an unknown function are format errors; a reply with no tool call is read as the JSON
format. A server that rejects tools raises `ModelError` (use the "json" format instead).

A reply that does not parse goes back to the environment as it is, so it becomes a step
whose error the model reads next turn as `PARSE_ERROR: <reason>`. The episode ends by
exception (see `fixloop.agents.limits`): `AgentStop` for too many format errors in a row,
the same action repeated, the step cap or the wall clock; the model's own
`BudgetExceededError` and `ModelUnavailableError` pass through untouched.
"""

from __future__ import annotations

import json
import time
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.agents.action_repair import extract_action
from fixloop.agents.context import AgentContext
from fixloop.agents.limits import AgentStop
from fixloop.agents.prompt import observation_message, system_prompt, windowed
from fixloop.env.actions import (
    ACTION_TYPES,
    Action,
    ActionParseError,
    action_json_schema,
    action_tools,
    parse_action,
)
from fixloop.env.observation import Observation
from fixloop.models.base import Completion, Message, Model, ToolCall


class LLMAgentConfig(BaseModel):
    """How the LLM agent behaves. Every field has a documented default."""

    model_config = ConfigDict(extra="forbid")

    max_steps: int = Field(
        default=100,
        ge=1,
        description="Most model calls per episode; the task's own step budget also applies.",
    )
    max_consecutive_format_errors: int = Field(
        default=3, ge=1, description="Replies in a row that are not a valid action before the episode ends."
    )
    max_same_action_repeats: int = Field(
        default=3, ge=2, description="The same action this many times in a row is looping."
    )
    looping_rule: Literal["identical", "type"] = Field(
        default="identical",
        description="What counts as the same action: identical fields (thought aside), or the same type.",
    )
    wall_time_s: float | None = Field(
        default=None,
        gt=0,
        description="Seconds from reset after which no more calls are made; None: no limit.",
    )
    temperature: float = Field(default=0.0, ge=0.0, le=2.0, description="Sampling temperature of every call.")
    max_tokens: int = Field(default=1024, ge=16, description="Most tokens the model may write per reply.")
    history_window: int = Field(
        default=8, ge=0, description="Past exchanges (observation + reply) sent with each call."
    )
    seed: int | None = Field(default=None, description="Sampling seed passed to the model, where supported.")
    action_format: Literal["json", "tools"] = Field(
        default="json",
        description="How the model writes an action: a JSON object, or a call of one tool per action type.",
    )


class LLMAgent:
    """An agent whose every action is one model call. See the module docstring for the loop.

    `last_completion` is the `Completion` of the latest `act` (None when it made no call),
    so the runner can record tokens, cost and latency per step. When the reply made tool
    calls, its `text` is those calls written out (what the history and the record keep).
    """

    name = "llm"

    def __init__(
        self, model: Model, config: LLMAgentConfig | None = None, context: AgentContext | None = None
    ) -> None:
        self.model = model
        self.config = config or LLMAgentConfig()
        self.context = context or AgentContext()
        tools = self.config.action_format == "tools"
        self._schema = None if tools else action_json_schema()
        self._tools = action_tools() if tools else None
        self.reset()

    def reset(self) -> None:
        """Start a new episode: a fresh message list, counters and clock."""
        self.messages: list[Message] = [Message(role="system", content=system_prompt(self.context))]
        self.last_completion: Completion | None = None
        self._started = time.monotonic()
        self._calls = 0
        self._format_error: str | None = None
        self._format_errors = 0
        self._last_action: dict[str, Any] | None = None
        self._repeats = 0

    def act(self, observation: Observation) -> Action | dict[str, Any] | str:
        """The model's next action; a reply that does not parse is returned as it is.

        Raises `AgentStop` at a limit, and whatever the model raises.
        """
        messages = self._prompt(observation)
        completion = self.model.complete(
            messages, schema=self._schema, temperature=self.config.temperature,
            max_tokens=self.config.max_tokens, seed=self.config.seed, tools=self._tools,
        )  # fmt: skip
        return self._interpret(completion)

    async def aact(self, observation: Observation) -> Action | dict[str, Any] | str:
        """`act` with the model called through its async API (for the runner's event loop)."""
        messages = self._prompt(observation)
        completion = await self.model.acomplete(
            messages, schema=self._schema, temperature=self.config.temperature,
            max_tokens=self.config.max_tokens, seed=self.config.seed, tools=self._tools,
        )  # fmt: skip
        return self._interpret(completion)

    def _prompt(self, observation: Observation) -> list[Message]:
        """Check the limits, add the observation, and return the messages to send."""
        self.last_completion = None
        self._check_limits()
        first = len(self.messages) == 1
        retry_context = self.context.retry_context if first else ""
        self.messages.append(
            Message(role="user", content=observation_message(observation, self._format_error, retry_context))
        )
        return windowed(self.messages, self.config.history_window)

    def _interpret(self, completion: Completion) -> Action | dict[str, Any] | str:
        """Record the reply and turn it into an action (or the raw reply when it does not parse)."""
        self._calls += 1
        reply: dict[str, Any] | str
        if completion.tool_calls:
            reply, problem = _tool_call_reply(completion.tool_calls)
            written = [call.model_dump() for call in completion.tool_calls]
            text = json.dumps(reply) if problem is None else json.dumps(written)
            completion = completion.model_copy(update={"text": text})
        else:
            repaired = extract_action(completion.text)
            reply, problem = (completion.text if repaired is None else repaired), None
        self.last_completion = completion
        self.messages.append(Message(role="assistant", content=completion.text))
        if problem is not None:
            return self._format_failure(reply, problem)
        try:
            action = parse_action(reply)
        except ActionParseError as exc:
            return self._format_failure(reply, str(exc))
        self._format_error, self._format_errors = None, 0
        self._check_repeats(action)
        return action

    def _check_limits(self) -> None:
        if self._calls >= self.config.max_steps:
            raise AgentStop("step_limit", f"the agent's limit of {self.config.max_steps} steps was reached")
        elapsed = time.monotonic() - self._started
        if self.config.wall_time_s is not None and elapsed >= self.config.wall_time_s:
            raise AgentStop(
                "wall_time", f"{elapsed:.1f}s passed; the wall-time limit is {self.config.wall_time_s}s"
            )

    def _format_failure(self, reply: dict[str, Any] | str, reason: str) -> dict[str, Any] | str:
        self._format_errors += 1
        self._last_action, self._repeats = None, 0
        if self._format_errors >= self.config.max_consecutive_format_errors:
            raise AgentStop(
                "format_errors",
                f"{self._format_errors} replies in a row were not a valid action; last: {reason}",
            )
        self._format_error = reason
        return reply

    def _check_repeats(self, action: Action) -> None:
        if self.config.looping_rule == "type":
            key: dict[str, Any] = {"action_type": action.action_type}
        else:
            key = action.model_dump(mode="json", exclude={"thought"})
        self._repeats = self._repeats + 1 if key == self._last_action else 1
        self._last_action = key
        if self._repeats >= self.config.max_same_action_repeats:
            raise AgentStop("looping", f"the same {action.action_type} action {self._repeats} times in a row")


def _tool_call_reply(calls: list[ToolCall]) -> tuple[dict[str, Any] | str, str | None]:
    """The action `calls` (at least one) stand for, and why it is not one (None when it may be).

    The reply is what the environment gets: one call's arguments as the dict of its action
    (still to be parsed), else what the environment will itself refuse (the calls as a JSON
    list, the malformed arguments as they are, an unknown function as its action type).
    """
    if len(calls) > 1:
        return json.dumps([call.model_dump() for call in calls]), (
            f"one action per reply: got {len(calls)} tool calls"
        )
    call = calls[0]
    try:
        arguments = json.loads(call.arguments or "{}")
    except (ValueError, RecursionError) as exc:
        return call.arguments, f"the arguments of tool {call.name[:80]!r} are malformed JSON: {exc}"
    if not isinstance(arguments, dict):
        return call.arguments, f"the arguments of tool {call.name[:80]!r} must be a JSON object"
    reply = {**arguments, "action_type": call.name}
    if call.name.strip().lower() not in ACTION_TYPES:
        return reply, f"unknown tool {call.name[:80]!r}; expected one of: {', '.join(ACTION_TYPES)}"
    return reply, None
