from __future__ import annotations

from fixloop.models.json_extract import extract_json_object


def test_a_bare_object_is_returned() -> None:
    assert extract_json_object('{"tool": "run_tests"}') == {"tool": "run_tests"}


def test_code_fences_and_chatter_around_the_object_are_ignored() -> None:
    text = 'Sure!\n```json\n{"tool": "view_code", "line": 3}\n```\nLet me know.'
    assert extract_json_object(text) == {"tool": "view_code", "line": 3}


def test_braces_in_prose_before_the_object_are_skipped() -> None:
    assert extract_json_object('The set {a, b} is wrong. {"tool": "submit"}') == {"tool": "submit"}


def test_braces_inside_json_strings_do_not_end_the_object() -> None:
    assert extract_json_object('{"code": "def f(): return {\\"}\\": 1}"}') == {
        "code": 'def f(): return {"}": 1}'
    }


def test_the_first_of_several_objects_wins() -> None:
    assert extract_json_object('{"a": 1} {"b": 2}') == {"a": 1}


def test_text_without_an_object_gives_none() -> None:
    assert extract_json_object("no json here ]] [1, 2]") is None


def test_a_truncated_object_gives_none_not_an_object_nested_in_it() -> None:
    assert extract_json_object('{"thought": "x", "args": {"line": 3}, "tool": "repl') is None
