"""The LLM agent's "tools" action format, against a real HTTP server speaking OpenAI tool calls."""

import json

from fixloop.agents.llm_agent import LLMAgent, LLMAgentConfig
from fixloop.env.actions import ACTION_TYPES, action_json_schema, action_tools
from fixloop.env.debug_env import DebugEnv
from fixloop.models.openai_provider import OpenAIModel
from fixloop.rollout.episode import run_episode
from tests.fake_openai_server import FakeOpenAIServer, Reply

READ = ("read_file", {"thought": "Look at add.", "path": "calc.py"})
FIX = ("replace_lines", {"path": "calc.py", "start_line": 3, "end_line": 3, "new_code": "return a + b"})
RUN = ("run_tests", {})
SUBMIT = ("submit", {})


def run(sandbox, task, replies, **config):
    """One episode of `task` whose model is the fake server answering `replies` in order."""
    with FakeOpenAIServer(replies) as server:
        model = OpenAIModel("fake-model", base_url=server.base_url)
        agent = LLMAgent(model, LLMAgentConfig(action_format="tools", **config))
        trajectory = run_episode(DebugEnv(sandbox), agent, task)
    return trajectory, server.requests


def test_an_episode_driven_by_tool_calls_resolves_the_task(sandbox, calc_task):
    replies = [Reply.tool_calls(READ), Reply.tool_calls(FIX), Reply.tool_calls(RUN), Reply.tool_calls(SUBMIT)]
    trajectory, requests = run(sandbox, calc_task, replies)
    assert trajectory.outcome == "resolved"
    assert [step.action["action_type"] for step in trajectory.steps] == [
        "read_file",
        "replace_lines",
        "run_tests",
        "submit",
    ]
    assert trajectory.steps[0].action["thought"] == "Look at add."
    assert requests[0].tools == action_tools()
    assert requests[0].response_format is None


def test_the_history_holds_each_tool_call_as_its_json_action(sandbox, calc_task):
    _, requests = run(sandbox, calc_task, [Reply.tool_calls(READ), Reply.tool_calls(SUBMIT)])
    assistant = requests[1].messages[-2]
    assert assistant["role"] == "assistant"
    assert json.loads(assistant["content"]) == {**READ[1], "action_type": "read_file"}


def test_every_action_type_is_a_tool_whose_parameters_are_its_schema_without_action_type():
    schema = action_json_schema()
    tools = {tool["function"]["name"]: tool["function"] for tool in action_tools()}
    assert list(tools) == list(ACTION_TYPES)
    for kind, ref in schema["discriminator"]["mapping"].items():
        definition = schema["$defs"][ref.rpartition("/")[2]]
        parameters = tools[kind]["parameters"]
        assert tools[kind]["description"] == definition["description"]
        assert parameters["properties"] == {
            name: field for name, field in definition["properties"].items() if name != "action_type"
        }
        assert "action_type" not in parameters["required"]
        assert set(parameters["required"]) == set(definition.get("required", [])) - {"action_type"}


def test_two_tool_calls_in_one_reply_are_a_format_error_read_next_turn(sandbox, calc_task):
    trajectory, requests = run(sandbox, calc_task, [Reply.tool_calls(READ, RUN), Reply.tool_calls(SUBMIT)])
    first = trajectory.steps[0]
    assert first.action is None
    assert first.error.startswith("PARSE_ERROR:")
    assert [call["name"] for call in json.loads(first.raw_action)] == ["read_file", "run_tests"]
    assert "PARSE_ERROR: one action per reply: got 2 tool calls" in requests[1].messages[-1]["content"]
    assert trajectory.steps[1].action["action_type"] == "submit"


def test_malformed_tool_arguments_are_a_format_error_read_next_turn(sandbox, calc_task):
    replies = [Reply.tool_calls(("read_file", '{"path": "calc.py"')), Reply.tool_calls(SUBMIT)]
    trajectory, requests = run(sandbox, calc_task, replies)
    assert trajectory.steps[0].action is None
    assert trajectory.steps[0].error.startswith("PARSE_ERROR: malformed JSON")
    assert (
        "PARSE_ERROR: the arguments of tool 'read_file' are malformed JSON"
        in requests[1].messages[-1]["content"]
    )


def test_an_unknown_function_is_a_format_error_read_next_turn(sandbox, calc_task):
    replies = [Reply.tool_calls(("delete_repo", {"path": "."})), Reply.tool_calls(SUBMIT)]
    trajectory, requests = run(sandbox, calc_task, replies)
    assert trajectory.steps[0].action is None
    assert "unknown action_type 'delete_repo'" in trajectory.steps[0].error
    assert "PARSE_ERROR: unknown tool 'delete_repo'" in requests[1].messages[-1]["content"]


def test_a_reply_without_a_tool_call_is_read_as_a_json_action(sandbox, calc_task):
    replies = [Reply.json({"action_type": "read_file", "path": "calc.py"}), Reply.tool_calls(SUBMIT)]
    trajectory, _ = run(sandbox, calc_task, replies)
    assert [step.action["action_type"] for step in trajectory.steps] == ["read_file", "submit"]


def test_a_server_rejecting_tools_ends_the_episode_with_an_error_naming_the_json_format(sandbox, calc_task):
    trajectory, _ = run(sandbox, calc_task, [Reply.error(400, "tools are not supported by this model")])
    assert trajectory.outcome == "agent_error"
    assert trajectory.error.startswith("ModelError:")
    assert "does not support tool calling" in trajectory.error
    assert "use --action-format json" in trajectory.error


def test_the_json_format_offers_no_tools(sandbox, calc_task):
    with FakeOpenAIServer([Reply.json({"action_type": "submit"})]) as server:
        agent = LLMAgent(OpenAIModel("fake-model", base_url=server.base_url))
        run_episode(DebugEnv(sandbox), agent, calc_task)
    assert server.requests[0].tools is None
    assert server.requests[0].format_type == "json_schema"
