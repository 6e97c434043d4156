import pytest

from envfile import DotenvError, dump_dotenv, parse_dotenv


def test_simple_assignments():
    assert parse_dotenv("A=1\r\nB=hello\n") == {"A": "1", "B": "hello"}


def test_comments_and_blank_lines_are_ignored():
    text = "# settings\n\n   \n  # indented comment\nA=1\n"
    assert parse_dotenv(text) == {"A": "1"}


def test_export_prefix_and_blanks_around_equals():
    text = "export  NAME = two words   \n\texport\tDEBUG=1\n"
    assert parse_dotenv(text) == {"NAME": "two words", "DEBUG": "1"}


def test_hash_starts_a_comment_only_after_a_blank():
    text = "URL=http://host/#top\nC=ab#c # note\nD= # nothing here\n"
    assert parse_dotenv(text) == {"URL": "http://host/#top", "C": "ab#c", "D": ""}


def test_single_quoted_values_are_literal():
    assert parse_dotenv("A=1\nD='${A} \\n'  # kept as written\n")["D"] == "${A} \\n"


def test_double_quoted_escapes():
    text = 'E="tab\\there\\nnew \\"q\\" back\\\\slash \\d"\n'
    assert parse_dotenv(text)["E"] == 'tab\there\nnew "q" back\\slash \\d'


def test_references_expand_to_earlier_values():
    text = "A=${B}x\nB=1\nC=${B}/${B}\nD=\"${B}-$B-\\${B}\"\nE='${B}'\n"
    assert parse_dotenv(text) == {"A": "x", "B": "1", "C": "1/1", "D": "1-$B-${B}", "E": "${B}"}


def test_references_never_read_the_process_environment(monkeypatch):
    monkeypatch.setenv("ENVFILE_PROBE", "leaked")
    assert parse_dotenv("X=${ENVFILE_PROBE}\n") == {"X": ""}


def test_last_assignment_wins():
    result = parse_dotenv("A=1\nB=2\nA=3\n")
    assert result == {"A": "3", "B": "2"}
    assert list(result) == ["A", "B"]


def test_invalid_line_reports_its_number():
    with pytest.raises(DotenvError) as excinfo:
        parse_dotenv("A=1\n\nnot an assignment\n")
    assert excinfo.value.lineno == 3


def test_malformed_quoting_is_an_error():
    for line in ['A="unterminated', "A='unterminated", 'A="x" y']:
        with pytest.raises(DotenvError):
            parse_dotenv(line + "\n")


def test_dumped_values_read_back_unchanged():
    values = {"PLAIN": "abc", "EMPTY": "", "TRICKY": 'cost ${HOME} "q" back\\slash\ttab\nnext # x'}
    assert parse_dotenv(dump_dotenv(values)) == values
