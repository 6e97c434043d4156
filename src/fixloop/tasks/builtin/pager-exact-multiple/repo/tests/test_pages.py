import pytest

from pager import page_count, paginate


def test_partial_last_page_is_counted():
    assert page_count(23, 10) == 3


def test_empty_listing_has_no_pages():
    assert page_count(0, 10) == 0


def test_exact_multiple_has_no_empty_trailing_page():
    assert page_count(20, 10) == 2


def test_per_page_must_be_positive():
    with pytest.raises(ValueError):
        page_count(5, 0)


def test_first_page_holds_first_items():
    page = paginate(list(range(23)), 1, 10)
    assert page.items == list(range(10))
    assert page.has_next
    assert not page.has_previous


def test_short_last_page_holds_the_rest():
    page = paginate(list(range(23)), 3, 10)
    assert page.items == [20, 21, 22]
    assert not page.has_next


def test_last_full_page_has_no_next():
    page = paginate(list(range(20)), 2, 10)
    assert page.items == list(range(10, 20))
    assert not page.has_next


def test_page_past_the_end_is_rejected():
    with pytest.raises(ValueError):
        paginate(list(range(20)), 3, 10)
