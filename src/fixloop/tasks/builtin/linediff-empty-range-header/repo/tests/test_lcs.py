from linediff import matching_blocks, opcodes


def test_matching_blocks_end_with_a_sentinel():
    a = ["a", "b", "c", "d"]
    b = ["a", "x", "c", "d", "e"]
    assert matching_blocks(a, b) == [(0, 0, 1), (2, 2, 2), (4, 5, 0)]


def test_opcodes_cover_both_sides():
    a = ["keep", "old", "same", "gone"]
    b = ["keep", "new", "same", "added"]
    assert opcodes(a, b) == [
        ("equal", 0, 1, 0, 1),
        ("replace", 1, 2, 1, 2),
        ("equal", 2, 3, 2, 3),
        ("replace", 3, 4, 3, 4),
    ]
    assert opcodes([], ["x"]) == [("insert", 0, 0, 0, 1)]
