"""The LLM agent's messages: the system prompt from a template, observations as user turns."""

from __future__ import annotations

import json
from functools import cache

import jinja2

from fixloop.agents.context import AgentContext
from fixloop.env.actions import action_json_schema
from fixloop.env.observation import Observation
from fixloop.models.base import Message


@cache
def _templates() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("fixloop.agents", "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )


def system_prompt(context: AgentContext) -> str:
    """`templates/system.md.j2` rendered for `context`: the base prompt, the reply format with
    the action schema, then the skill, memory cards and retry notes (each only when set)."""
    return (
        _templates()
        .get_template("system.md.j2")
        .render(
            base_prompt=context.base_prompt,
            schema=json.dumps(action_json_schema()),
            skill=context.skill.strip(),
            memory_cards=[card for card in context.memory_cards if card.strip()],
            retry_notes=context.retry_notes.strip(),
        )
    )


def observation_message(
    observation: Observation, format_error: str | None = None, retry_context: str = ""
) -> str:
    """The user turn for `observation`. `format_error` is why the agent's last reply did not
    parse; it replaces the observation's error as `PARSE_ERROR: ...` with a reminder of the format.
    `retry_context` (the previous attempt in brief) comes first, under its own heading."""
    if format_error is not None:
        error = f"PARSE_ERROR: {format_error}\nReply with exactly one JSON object that matches the schema."
        observation = observation.model_copy(update={"last_action_error": error})
    if retry_context.strip():
        return f"# Your previous attempt at this task\n{retry_context.strip()}\n\n{observation.render()}"
    return observation.render()


def windowed(messages: list[Message], history_window: int) -> list[Message]:
    """`messages` (system, then alternating user/assistant, ending with a user turn) cut to the
    system message, the last `history_window` exchanges and the current user turn."""
    return [messages[0], *messages[1:][-(2 * history_window + 1) :]]
