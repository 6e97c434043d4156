from urlkit import build_query, parse_query


def test_spaces_are_written_as_plus():
    assert build_query({"q": "red shoes"}) == "q=red+shoes"


def test_delimiters_inside_values_are_escaped():
    assert build_query({"filter": "a&b=c"}) == "filter=a%26b%3Dc"


def test_repeated_names_keep_their_order():
    assert build_query([("tag", "b"), ("page", "2"), ("tag", "a")]) == "tag=b&page=2&tag=a"
    assert parse_query("tag=b&page=2&tag=a") == {"tag": ["b", "a"], "page": ["2"]}


def test_parse_decodes_plus_and_escapes():
    assert parse_query("?q=caf%C3%A9+au+lait&empty=&flag") == {
        "q": ["café au lait"],
        "empty": [""],
        "flag": [""],
    }
