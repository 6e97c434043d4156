import pytest

from tinytpl import Markup, TemplateError, render


def test_values_are_filled_in():
    assert render("Hello, {{ user.name }}!", {"user": {"name": "Ada"}}) == "Hello, Ada!"


def test_values_are_escaped_by_default():
    html = render("<p>{{ comment }}</p>", {"comment": "<script>alert('x')</script>"})
    assert html == "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>"


def test_ampersand_is_escaped():
    assert render("{{ show }}", {"show": "Tom & Jerry"}) == "Tom &amp; Jerry"


def test_user_text_that_looks_like_an_entity_is_escaped():
    assert render("{{ note }}", {"note": "I &lt;3 HTML"}) == "I &amp;lt;3 HTML"


def test_filter_results_are_escaped_too():
    assert render("{{ tag | upper }}", {"tag": "<b>"}) == "&lt;B&gt;"
    assert render("{{ names | join }}", {"names": ["Tom & Co", "Ada"]}) == "Tom &amp; Co, Ada"


def test_safe_filter_outputs_trusted_html_as_is():
    assert render("{{ banner | safe }}", {"banner": "<b>Sale</b>"}) == "<b>Sale</b>"
    assert render("{{ banner }}", {"banner": Markup("<i>new</i>")}) == "<i>new</i>"


def test_escape_filter_escapes_exactly_once():
    html = render("<p>{{ bio | escape }}</p>", {"bio": "I like <b>bold</b> & brave"})
    assert html == "<p>I like &lt;b&gt;bold&lt;/b&gt; &amp; brave</p>"


def test_short_escape_filter_after_truncate():
    html = render('<input value="{{ q | truncate:10 | e }}">', {"q": 'Say "hi" & bye'})
    assert html == '<input value="Say &quot;hi&quot;…">'


def test_default_filter_for_empty_values():
    assert render("{{ nick | default:anonymous }}", {"nick": ""}) == "anonymous"


def test_unknown_filter_is_an_error():
    with pytest.raises(TemplateError, match="shout"):
        render("{{ name | shout }}", {"name": "x"})


def test_undefined_name_is_an_error():
    with pytest.raises(TemplateError, match="user.email"):
        render("{{ user.email }}", {"user": {"name": "Ada"}})
