import pytest

from batching import batch_count, batched, upload_all


def test_items_that_divide_evenly():
    assert batched([1, 2, 3, 4, 5, 6], 3) == [[1, 2, 3], [4, 5, 6]]


def test_no_items_no_batches():
    assert batched([], 4) == []


def test_explicit_drop_last_leaves_out_the_short_batch():
    assert batched(range(7), 3, drop_last=True) == [[0, 1, 2], [3, 4, 5]]


def test_explicit_keep_last():
    assert batched(range(7), 3, drop_last=False) == [[0, 1, 2], [3, 4, 5], [6]]


def test_size_must_be_positive():
    with pytest.raises(ValueError):
        batched([1, 2], 0)


def test_batch_count():
    assert batch_count(7, 3) == 3
    assert batch_count(7, 3, drop_last=True) == 2


def test_short_final_batch_is_kept_by_default():
    assert batched(range(7), 3) == [[0, 1, 2], [3, 4, 5], [6]]


def test_fewer_items_than_one_batch():
    assert batched("ab", 5) == [["a", "b"]]


def test_upload_sends_every_item():
    sent = []
    assert upload_all(range(10), 4, sent.append) == 3
    assert sent == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
