import json

import pytest

from fixloop.env.actions import (
    ACTION_TYPES,
    ActionParseError,
    ReplaceLines,
    RunTests,
    Submit,
    action_json_schema,
    parse_action,
)


@pytest.mark.parametrize("name", ["run_tests", "RUN_TESTS", "Run_Tests", " run_tests "])
def test_action_names_are_case_insensitive(name):
    assert parse_action({"action_type": name}) == RunTests()


def test_json_string_parses_into_the_same_action_as_a_dict():
    raw = {"action_type": "replace_lines", "path": "a.py", "start_line": 2, "end_line": 3, "new_code": "x"}
    assert parse_action(json.dumps(raw)) == parse_action(raw)


def test_new_code_block_is_accepted_as_alias_of_new_code():
    action = parse_action(
        {
            "action_type": "replace_lines",
            "path": "a.py",
            "start_line": 1,
            "end_line": 1,
            "new_code_block": "y",
        }
    )
    assert isinstance(action, ReplaceLines)
    assert action.new_code == "y"


def test_every_action_may_carry_a_thought():
    assert parse_action({"action_type": "submit", "thought": "done"}) == Submit(thought="done")


def test_an_action_instance_passes_through_unchanged():
    action = RunTests(target="tests/test_a.py")
    assert parse_action(action) is action


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "malformed JSON"),
        ("[1, 2]", "must be a JSON object"),
        ({"path": "a.py"}, "missing action_type"),
        ({"action_type": "teleport"}, "unknown action_type 'teleport'"),
        ({"action_type": "read_file"}, "path: Field required"),
        ({"action_type": "view_code", "start_line": "ten"}, "start_line: Input should be a valid integer"),
        (
            {"action_type": "view_code", "start_line": 0},
            "start_line: Input should be greater than or equal to 1",
        ),
        ({"action_type": "submit", "force": True}, "force: Extra inputs are not permitted"),
    ],
)
def test_bad_input_raises_a_clear_parse_error(raw, message):
    with pytest.raises(ActionParseError, match=message):
        parse_action(raw)


def test_json_schema_lists_every_action_type():
    schema = json.dumps(action_json_schema())
    for name in ACTION_TYPES:
        assert f'"{name}"' in schema
