import json

from fixloop.agents.context import AgentContext
from fixloop.agents.llm_agent import LLMAgent
from fixloop.agents.prompt import observation_message, system_prompt
from fixloop.env.actions import action_json_schema
from fixloop.env.observation import Observation
from fixloop.models.scripted import ScriptedModel


def test_the_system_prompt_holds_the_action_schema_and_the_reply_rules():
    prompt = system_prompt(AgentContext())
    assert json.dumps(action_json_schema()) in prompt
    assert "exactly one JSON object" in prompt
    assert "`thought`" in prompt


def test_empty_skill_memory_and_retry_sections_are_left_out():
    prompt = system_prompt(AgentContext())
    assert "## Skill" not in prompt
    assert "## Lessons" not in prompt
    assert "## Previous attempt feedback" not in prompt


def test_skill_memory_cards_and_retry_notes_appear_under_their_headings():
    context = AgentContext(
        skill="- R1: run the tests first.",
        memory_cards=["Off-by-one errors hide in range()."],
        retry_notes="Last time you edited the test file.",
    )
    prompt = system_prompt(context)
    assert "## Skill\n" in prompt and "- R1: run the tests first." in prompt
    assert "## Lessons from similar tasks\n- Off-by-one errors hide in range()." in prompt
    assert "## Previous attempt feedback\n" in prompt
    assert prompt.rstrip().endswith("Last time you edited the test file.")


def test_a_custom_base_prompt_replaces_the_default():
    prompt = system_prompt(AgentContext(base_prompt="You fix bugs in Rust."))
    assert prompt.startswith("You fix bugs in Rust.")
    assert "Python repository" not in prompt


def test_the_version_id_changes_when_the_skill_changes():
    assert AgentContext().version_id == AgentContext().version_id
    assert AgentContext(skill="- R1: read first.").version_id != AgentContext().version_id


def test_a_format_error_is_shown_as_a_parse_error_in_place_of_the_observation_error():
    observation = Observation(task_id="t", task_description="d", repo_tree=[], last_action_error="malformed")
    message = observation_message(observation, "malformed JSON: Expecting value")
    assert "# Error in your last action\nPARSE_ERROR: malformed JSON: Expecting value" in message


def test_the_retry_context_comes_before_the_first_observation_only():
    model = ScriptedModel(['{"action_type": "view_code"}', '{"action_type": "submit"}'])
    agent = LLMAgent(model, context=AgentContext(retry_context="score 0.00, BLIND_WRITE"))
    agent.reset()
    for step in (0, 1):
        agent.act(Observation(task_id="t", task_description="d", repo_tree=["a.py"], step_count=step))
    first, second = model.calls[0][1].content, model.calls[1][-1].content
    assert first.startswith("# Your previous attempt at this task\nscore 0.00, BLIND_WRITE\n\n# Task")
    assert "previous attempt" not in second
