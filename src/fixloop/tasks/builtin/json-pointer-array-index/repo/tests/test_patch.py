import pytest

from jsonptr import PointerError, apply_patch

DOC = {"title": "Todo", "items": ["milk", "eggs", "bread"]}


def test_add_member_leaves_the_input_untouched():
    patched = apply_patch(DOC, [{"op": "add", "path": "/owner", "value": "ada"}])
    assert patched["owner"] == "ada"
    assert "owner" not in DOC


def test_add_with_dash_appends_to_a_list():
    patched = apply_patch(DOC, [{"op": "add", "path": "/items/-", "value": "jam"}])
    assert patched["items"] == ["milk", "eggs", "bread", "jam"]


def test_add_at_an_index_inserts():
    patched = apply_patch(
        DOC,
        [{"op": "add", "path": "/items/0", "value": "tea"}, {"op": "add", "path": "/items/4", "value": "jam"}],
    )
    assert patched["items"] == ["tea", "milk", "eggs", "bread", "jam"]


def test_remove_and_replace_list_items():
    patched = apply_patch(
        DOC,
        [{"op": "remove", "path": "/items/1"}, {"op": "replace", "path": "/items/1", "value": "rye"}],
    )
    assert patched["items"] == ["milk", "rye"]


def test_replacing_a_missing_member_is_an_error():
    with pytest.raises(PointerError):
        apply_patch(DOC, [{"op": "replace", "path": "/due", "value": "today"}])


def test_remove_with_a_negative_index_is_rejected():
    with pytest.raises(PointerError):
        apply_patch(DOC, [{"op": "remove", "path": "/items/-1"}])
