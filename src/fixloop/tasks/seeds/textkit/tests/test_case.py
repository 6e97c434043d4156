from textkit.case import is_snake, to_camel, to_snake


def test_to_snake_splits_before_capitals():
    assert to_snake("parseHttpRequest") == "parse_http_request"


def test_to_snake_keeps_a_leading_capital_without_underscore():
    assert to_snake("Parser") == "parser"


def test_to_snake_does_not_double_existing_underscores():
    assert to_snake("load_Config") == "load_config"


def test_to_camel_joins_capitalised_parts():
    assert to_camel("parse_http_request") == "parseHttpRequest"


def test_to_camel_with_upper_first():
    assert to_camel("parse_http_request", upper_first=True) == "ParseHttpRequest"


def test_to_camel_ignores_extra_underscores():
    assert to_camel("__private__name") == "privateName"


def test_is_snake_accepts_lower_case_names():
    assert is_snake("user_id")


def test_is_snake_rejects_capitals_and_double_underscores():
    assert not is_snake("userId")
    assert not is_snake("user__id")


def test_is_snake_rejects_empty_and_private_names():
    assert not is_snake("")
    assert not is_snake("_user")
