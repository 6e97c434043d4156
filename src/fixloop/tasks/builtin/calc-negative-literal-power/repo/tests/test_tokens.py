import pytest

from calc import CalcError, tokenize


def kinds_and_texts(text):
    return [(token.kind, token.text) for token in tokenize(text)]


def test_numbers_names_and_punctuation():
    assert kinds_and_texts("max(x1, .5) + 3.") == [
        ("NAME", "max"),
        ("LPAREN", "("),
        ("NAME", "x1"),
        ("COMMA", ","),
        ("NUMBER", ".5"),
        ("RPAREN", ")"),
        ("OP", "+"),
        ("NUMBER", "3."),
        ("END", ""),
    ]


def test_floor_division_is_one_operator():
    assert kinds_and_texts("7//2") == [("NUMBER", "7"), ("OP", "//"), ("NUMBER", "2"), ("END", "")]


def test_stray_character_reports_its_offset():
    with pytest.raises(CalcError) as excinfo:
        tokenize("2 $ 3")
    assert excinfo.value.pos == 2
