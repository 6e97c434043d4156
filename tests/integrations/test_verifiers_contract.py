"""The contract between `fixloop serve` and verifiers' OpenEnv taskset.

verifiers (PrimeIntellect-ai/verifiers, PyPI `verifiers` 0.4.0) drives any OpenEnv server
through one built-in taskset, `openenv` (`verifiers/v1/tasksets/openenv/taskset.py`:
`OpenEnvConfig`, `OpenEnvTaskset`, `OpenEnvEnv`). Its `OpenEnvEnv.run`:

1. opens openenv's `GenericEnvClient(base_url=...)`, that is a WebSocket on `<base_url>/ws`
   (`openenv/core/env_client.py`, `_set_base_url`), with the default 60 s
   `message_timeout_s` per frame;
2. `GET {client._base_url}/schema` with httpx and keeps `response.json()["action"]`, and
   only that; when its `title` is `Action`, `CallToolAction` or `ListToolsAction` it takes
   the server for an MCP one and steps `{"type": "list_tools"}` first (lines 88-105);
3. sends `{"type": "reset", "data": <one entry of the taskset's `resets`>}` (line 106;
   `EnvClient._reset_async`), and shows the model, as its first user turn,
   `json.dumps({"observation": data["observation"], "action_schema": <action schema>})`
   (lines 108-118); the reset's reward is ignored;
4. turns each reply into an action with `parse_action` (lines 51-66, copied below): a JSON
   object, fenced or not, goes through unchanged; anything else needs a top-level
   `required` of exactly one name, or raises ValueError (the rollout errors);
5. sends `{"type": "step", "data": <that dict>}` (`EnvClient._step_async`), reads
   `data["observation"]`, `data["reward"]` and `data["done"]` (`GenericEnvClient._parse_result`),
   raises RuntimeError on a `{"type": "error"}` frame (`EnvClient._send_and_receive`), adds
   `reward or 0.0` to a total and stops at `done` (lines 127-131);
6. records the total as the trace's `openenv_reward` (line 134).

This module starts a real `fixloop serve` and checks each of those readings against what it
sends. When `verifiers` is installed its own `parse_action` is used; otherwise the verbatim
copy below (verifiers 0.4.0, identical at commit a60a606 of its main branch).
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from websockets.sync.client import connect

from fixloop.env.actions import ACTION_TYPES
from fixloop.tasks.loader import SUITES
from tests.served import Running, serve_process

TASK_ID = "fahrenheit-to-celsius"
"""A quick builtin task (a one-line operator-precedence fix in thermo/convert.py)."""
BUGGY_LINE = "return value - 32 * 5 / 9"
FIXED_LINE = "return (value - 32) * 5 / 9"

OPENENV_MESSAGE_TIMEOUT_S = 60.0
"""`EnvClient(message_timeout_s=60.0)`: verifiers builds `GenericEnvClient(base_url=...)` with
the defaults, so a frame answered later than this fails the rollout."""

MCP_ACTION_TITLES = {"Action", "CallToolAction", "ListToolsAction"}
"""verifiers/v1/tasksets/openenv/taskset.py, lines 96-100: schemas it treats as MCP."""


def _copied_parse_action(message: str, action_schema: dict[str, Any]) -> dict[str, Any]:
    """verifiers/v1/tasksets/openenv/taskset.py `parse_action` (lines 51-66), verbatim."""
    message = message.strip()
    if message.startswith("```") and message.endswith("```"):
        message = "\n".join(message.splitlines()[1:-1]).strip()
    try:
        action = json.loads(message)
    except json.JSONDecodeError:
        action = message
    if isinstance(action, dict):
        return action
    required = action_schema.get("required", [])
    if len(required) != 1:
        raise ValueError("non-object actions require exactly one required field")
    return {required[0]: action}


try:  # verifiers is not a fixloop dependency; its own function is preferred when present
    from verifiers.v1.tasksets.openenv.taskset import parse_action as verifiers_parse_action
except ImportError:
    verifiers_parse_action = _copied_parse_action


def verifiers_prompt(observation: dict[str, Any], action_schema: dict[str, Any]) -> str:
    """The user turn verifiers shows the model (`payload()`, lines 108-115)."""
    return json.dumps({"observation": observation, "action_schema": action_schema}, ensure_ascii=False)


# --- the server -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """`fixloop serve --sandbox process --suite builtin` on a free port, as a real process."""
    with serve_process(tmp_path_factory.mktemp("verifiers-serve"), "--suite", "builtin") as (_, running):
        yield running


def _get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def action_schema(server: Running) -> dict[str, Any]:
    """What verifiers keeps of `/schema`: `response.json()["action"]` (line 95)."""
    return _get_json(f"{server.base_url}/schema")["action"]


def _exchange(ws: Any, frame: dict[str, Any]) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    ws.send(json.dumps(frame))
    reply = json.loads(ws.recv(timeout=OPENENV_MESSAGE_TIMEOUT_S))
    return reply, time.monotonic() - started


def _observation_data(reply: dict[str, Any]) -> dict[str, Any]:
    """What `GenericEnvClient` makes of a reply, failing where it would raise."""
    assert reply.get("type") != "error", f"GenericEnvClient raises RuntimeError on {reply}"
    assert reply["type"] == "observation"
    data = reply["data"]
    assert isinstance(data["observation"], dict)
    assert data["reward"] is None or isinstance(data["reward"], int | float)
    assert isinstance(data["done"], bool)
    return data


def _buggy_line_number() -> int:
    source = (SUITES["builtin"] / TASK_ID / "repo" / "thermo" / "convert.py").read_text().splitlines()
    return next(number for number, line in enumerate(source, 1) if line.strip() == BUGGY_LINE)


# --- the tests --------------------------------------------------------------------------


def test_schema_is_taken_for_a_gym_environment(action_schema: dict[str, Any]) -> None:
    """verifiers reads `["action"]` and its `title`; an MCP title would make it step
    `{"type": "list_tools"}` before the reset, which fixloop rejects."""
    assert isinstance(action_schema, dict)
    assert action_schema.get("title") not in MCP_ACTION_TITLES
    # The whole schema goes into the prompt as JSON; the union must say how to pick a variant.
    variants = [action_schema["$defs"][ref["$ref"].rpartition("/")[2]] for ref in action_schema["oneOf"]]
    kinds = {variant["properties"]["action_type"]["const"] for variant in variants}
    assert kinds == set(ACTION_TYPES)
    assert action_schema["discriminator"]["propertyName"] == "action_type"


def test_parse_action_reads_fixloop_actions(action_schema: dict[str, Any]) -> None:
    """A JSON object reply, bare or fenced, reaches the server unchanged; a prose reply is
    wrapped only when the schema names exactly one top-level required field."""
    action = {"action_type": "read_file", "path": "thermo/convert.py"}
    assert verifiers_parse_action(json.dumps(action), action_schema) == action
    fenced = "```json\n" + json.dumps(action, indent=2) + "\n```"
    assert verifiers_parse_action(fenced, action_schema) == action
    required = action_schema.get("required", [])
    prose = "I should read the converter first."
    if len(required) == 1:
        assert verifiers_parse_action(prose, action_schema) == {required[0]: prose}
    else:
        with pytest.raises(ValueError, match="exactly one required field"):
            verifiers_parse_action(prose, action_schema)


def test_reset_entries_verifiers_can_be_given(server: Running, action_schema: dict[str, Any]) -> None:
    """Each kind of `resets` entry is sent as the reset frame's `data`, verbatim."""
    entries = [{"task_id": TASK_ID}, {"split": "all", "index": 0}, {"seed": 7}, {}]
    with connect(server.ws_url) as ws:
        for entry in entries:
            reply, _ = _exchange(ws, {"type": "reset", "data": entry})
            data = _observation_data(reply)
            assert data["done"] is False
            observation = data["observation"]
            assert observation["task_id"] and observation["task_description"]
            if "task_id" in entry:
                assert observation["task_id"] == entry["task_id"]
            assert json.loads(verifiers_prompt(observation, action_schema))["observation"] == observation
        ws.send(json.dumps({"type": "close"}))


def test_episode_frames_as_verifiers_reads_them(server: Running, action_schema: dict[str, Any]) -> None:
    """One episode over raw frames, each reply read the way verifiers reads it: the model's
    replies go through `parse_action`, the rewards are summed as `openenv_reward` is, and
    the loop stops at `done`."""
    line = _buggy_line_number()
    replies = [
        json.dumps({"action_type": "read_file", "path": "thermo/convert.py"}),
        "```json\n"
        + json.dumps(
            {
                "action_type": "replace_lines",
                "path": "thermo/convert.py",
                "start_line": line,
                "end_line": line,
                "new_code": FIXED_LINE,
            }
        )
        + "\n```",
        json.dumps({"action_type": "run_tests"}),
        json.dumps({"action_type": "submit"}),
    ]
    with connect(server.ws_url) as ws:
        reply, elapsed = _exchange(ws, {"type": "reset", "data": {"task_id": TASK_ID}})
        data = _observation_data(reply)
        assert data["observation"]["task_id"] == TASK_ID
        assert "thermo/convert.py" in data["observation"]["repo_tree"]
        verifiers_prompt(data["observation"], action_schema)
        total = 0.0
        for text in replies:
            assert not data["done"]
            reply, elapsed = _exchange(
                ws, {"type": "step", "data": verifiers_parse_action(text, action_schema)}
            )
            assert elapsed < OPENENV_MESSAGE_TIMEOUT_S
            data = _observation_data(reply)
            assert data["observation"]["last_action_error"] is None
            total += data["reward"] or 0.0
            if data["done"]:
                break
            verifiers_prompt(data["observation"], action_schema)
        assert data["done"] is True
        assert data["metadata"]["grade"]["outcome"] == "resolved"

        reply, _ = _exchange(ws, {"type": "state"})
        assert reply["type"] == "state"
        # verifiers' openenv_reward (the sum of step rewards) is fixloop's episode return.
        assert total == pytest.approx(reply["data"]["cumulative_reward"])
        assert total > 0
        ws.send(json.dumps({"type": "close"}))


def test_verifiers_loop_with_the_openenv_client(server: Running, action_schema: dict[str, Any]) -> None:
    """`OpenEnvEnv.run` replayed with openenv's real `GenericEnvClient` (the `openenv`
    extra), including its use of the private `client._base_url` to find `/schema`."""
    if not os.environ.get("CI"):
        pytest.importorskip("openenv")
    import asyncio

    import httpx
    from openenv import GenericEnvClient

    line = _buggy_line_number()
    replies = iter(
        [
            json.dumps(
                {
                    "action_type": "replace_lines",
                    "path": "thermo/convert.py",
                    "start_line": line,
                    "end_line": line,
                    "new_code": FIXED_LINE,
                }
            ),
            '{"action_type": "submit"}',
        ]
    )

    async def run() -> tuple[float, list[str], Any]:
        client = GenericEnvClient(base_url=server.base_url)
        total = 0.0
        prompts: list[str] = []
        async with client:
            base_url = client._base_url.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.get(f"{base_url}/schema")
                response.raise_for_status()
            schema = response.json()["action"]
            assert schema == action_schema
            assert schema.get("title") not in MCP_ACTION_TITLES
            result = await client.reset(task_id=TASK_ID)
            prompts.append(verifiers_prompt(result.observation, schema))
            while not result.done:
                result = await client.step(verifiers_parse_action(next(replies), schema))
                total += result.reward or 0.0
                if result.done:
                    break
                prompts.append(verifiers_prompt(result.observation, schema))
            state = await client.state()
        return total, prompts, state

    total, prompts, state = asyncio.run(run())
    assert json.loads(prompts[0])["observation"]["task_id"] == TASK_ID
    assert state["done"] is True
    assert state["grade"]["outcome"] == "resolved"
    assert total == pytest.approx(state["cumulative_reward"])
