import pytest

from fixloop.agents.action_repair import action_name, extract_action
from fixloop.env.actions import parse_action

REPAIRABLE = {
    "fenced": '```json\n{"action_type": "read_file", "path": "calc.py"}\n```',
    "chatter": 'Let me look at the code first.\n{"action_type": "read_file", "path": "calc.py"}\nThanks!',
    "upper-case name": '{"action_type": "READ_FILE", "path": "calc.py"}',
    "camel-case name": '{"action_type": "ReadFile", "path": "calc.py"}',
    "action key": '{"action": "read_file", "path": "calc.py"}',
    "type key": '{"type": "Read File", "path": "calc.py"}',
    "name key with args": '{"name": "read_file", "arguments": {"path": "calc.py"}}',
    "action wrapper": '{"action": {"action_type": "read_file", "path": "calc.py"}}',
    "action-name wrapper": '{"read_file": {"path": "calc.py"}}',
}


@pytest.mark.parametrize("text", REPAIRABLE.values(), ids=REPAIRABLE.keys())
def test_common_mistakes_are_repaired_into_a_valid_action(text):
    action = parse_action(extract_action(text))
    assert action.action_type == "read_file"
    assert action.path == "calc.py"


def test_the_new_code_block_alias_survives_repair():
    text = '{"action": "replace_lines", "path": "c", "start_line": 1, "end_line": 1, "new_code_block": "x"}'
    assert parse_action(extract_action(text)).new_code == "x"


def test_a_thought_outside_an_action_wrapper_is_kept():
    text = '{"thought": "look", "action": {"action_type": "submit"}}'
    assert parse_action(extract_action(text)).thought == "look"


@pytest.mark.parametrize("text", ["", "I will fix it.", "[1, 2]", '{"action_type": "read_file", "path'])
def test_text_without_a_json_object_gives_none(text):
    assert extract_action(text) is None


def test_an_unknown_action_name_is_left_for_the_parser_to_reject():
    assert action_name("Fix Everything") == "fix_everything"
