import pytest

from jsonptr import PointerError, exists, get, get_or, pointer_from, split_pointer

DOC = {
    "name": "widget",
    "tags": ["red", "sale", "new"],
    "dims": {"w": 10, "h": 20},
    "a/b": {"m~n": 1},
    "": "empty key",
}


def test_root_and_members():
    assert get(DOC, "") is DOC
    assert get(DOC, "/dims/h") == 20
    assert get(DOC, "/") == "empty key"


def test_list_items_by_index():
    assert get(DOC, "/tags/0") == "red"
    assert get(DOC, "/tags/2") == "new"


def test_escaped_characters_in_member_names():
    assert split_pointer("/a~1b/m~0n") == ["a/b", "m~n"]
    assert get(DOC, pointer_from(["a/b", "m~n"])) == 1


def test_missing_member_or_index_past_the_end():
    with pytest.raises(PointerError):
        get(DOC, "/dims/depth")
    with pytest.raises(PointerError):
        get(DOC, "/tags/3")
    assert not exists(DOC, "/tags/3")


def test_pointer_must_start_with_a_slash():
    with pytest.raises(PointerError):
        get(DOC, "tags/0")


def test_get_or_returns_the_default_for_a_missing_value():
    assert get_or(DOC, "/dims/depth", 0) == 0
    assert get_or(DOC, "/dims/w", 0) == 10


def test_negative_index_names_no_element():
    with pytest.raises(PointerError):
        get(DOC, "/tags/-1")
    assert not exists(DOC, "/tags/-1")
    assert get_or(DOC, "/tags/-2", "none") == "none"


def test_index_must_be_plain_digits_without_leading_zero():
    for token in ("01", "+1", " 1", "1_0"):
        assert not exists(DOC, f"/tags/{token}"), token
