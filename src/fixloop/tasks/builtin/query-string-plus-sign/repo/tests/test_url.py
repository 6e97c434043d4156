from urlkit import Url

BASE = Url("https", "api.example.org")


def test_parse_splits_every_part():
    url = Url.parse("HTTPS://Api.Example.org/v1/search?q=red+shoes&page=2#results")
    assert url.scheme == "https"
    assert url.host == "api.example.org"
    assert url.segments == ("v1", "search")
    assert url.params() == {"q": ["red shoes"], "page": ["2"]}
    assert url.fragment == "results"


def test_path_segments_escape_slash_and_space():
    assert BASE.joinpath("files", "Q1 report/final.pdf").path == "/files/Q1%20report%2Ffinal.pdf"


def test_path_segments_keep_sub_delimiters():
    url = BASE.joinpath("languages", "c++", "a,b;c")
    assert str(url) == "https://api.example.org/languages/c++/a,b;c"


def test_query_is_appended_after_the_path():
    url = BASE.joinpath("search").with_params(q="red shoes", page="2")
    assert str(url) == "https://api.example.org/search?q=red+shoes&page=2"


def test_plus_sign_in_a_value_is_escaped():
    url = BASE.joinpath("search").with_params(q="c++ tips")
    assert str(url) == "https://api.example.org/search?q=c%2B%2B+tips"


def test_plus_sign_survives_a_round_trip():
    sent = str(BASE.joinpath("calc").with_params(expr="1+1=2", note="a + b"))
    assert Url.parse(sent).params() == {"expr": ["1+1=2"], "note": ["a + b"]}
