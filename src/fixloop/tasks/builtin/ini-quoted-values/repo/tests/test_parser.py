import pytest

from iniconf import IniError, parse_ini


def test_sections_and_keys():
    config = parse_ini("[server]\nHost = example.org\nport: 8080\n")
    assert config["server"] == {"host": "example.org", "port": "8080"}


def test_keys_before_first_section_go_to_default():
    assert parse_ini("debug = no\n[db]\nname = app\n")["DEFAULT"] == {"debug": "no"}


def test_comment_and_blank_lines_are_skipped():
    text = "# generated file\n\n; legacy comment\n[db]\n  # indented comment\nname = app\n"
    assert parse_ini(text) == {"DEFAULT": {}, "db": {"name": "app"}}


def test_inline_comment_after_value_is_dropped():
    text = "[db]\ntimeout = 30  ; seconds\nhost = db.local\t# primary\n"
    assert parse_ini(text)["db"] == {"timeout": "30", "host": "db.local"}


def test_comment_characters_inside_unquoted_value_are_kept():
    text = "[db]\ndsn = host=db;port=5432\ncolor = #336699\n"
    assert parse_ini(text)["db"] == {"dsn": "host=db;port=5432", "color": "#336699"}


def test_quoted_value_keeps_surrounding_spaces():
    assert parse_ini('[ui]\npadding = "  x  "\n')["ui"]["padding"] == "  x  "


def test_quoted_value_keeps_comment_characters():
    text = '[ui]\nmotto = "ship it ; then fix it"\n'
    assert parse_ini(text)["ui"]["motto"] == "ship it ; then fix it"


def test_comment_may_follow_quoted_value():
    text = '[ui]\nprompt = "db # "  ; shown before input\n'
    assert parse_ini(text)["ui"]["prompt"] == "db # "


def test_malformed_line_reports_its_number():
    with pytest.raises(IniError) as excinfo:
        parse_ini("[db]\nname = app\nthis line is wrong\n")
    assert excinfo.value.lineno == 3
