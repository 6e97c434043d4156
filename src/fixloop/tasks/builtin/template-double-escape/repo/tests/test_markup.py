from tinytpl import Markup, escape
from tinytpl.lexer import Filter, Var, tokenize


def test_escape_returns_markup_and_leaves_markup_alone():
    once = escape("a < b")
    assert once == "a &lt; b"
    assert isinstance(once, Markup)
    assert escape(once) == "a &lt; b"


def test_none_escapes_to_empty_text():
    assert escape(None) == ""


def test_tokenize_splits_text_and_tags():
    assert tokenize("Hi {{ user.name | truncate:5 }}!") == [
        "Hi ",
        Var(("user", "name"), (Filter("truncate", "5"),)),
        "!",
    ]
