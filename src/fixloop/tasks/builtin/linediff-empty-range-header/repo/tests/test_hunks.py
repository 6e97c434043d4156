from linediff import Hunk, group_hunks

LINES = [f"line {n}" for n in range(1, 21)]


def test_distant_changes_get_separate_hunks():
    changed = list(LINES)
    changed[1] = "second"
    changed[17] = "eighteenth"
    hunks = group_hunks(LINES, changed, context=2)
    assert [(h.old_start, h.old_len, h.new_start, h.new_len) for h in hunks] == [
        (0, 4, 0, 4),
        (15, 5, 15, 5),
    ]


def test_changes_within_twice_the_context_share_a_hunk():
    changed = list(LINES)
    changed[4] = "fifth"
    changed[9] = "tenth"
    hunks = group_hunks(LINES, changed, context=2)
    assert [(h.old_start, h.old_len) for h in hunks] == [(2, 10)]


def test_pure_insertion_without_context_uses_zero_based_indexes():
    changed = LINES[:3] + ["new A", "new B"] + LINES[3:]
    assert group_hunks(LINES, changed, context=0) == [
        Hunk(3, 0, 3, 2, (("+", "new A"), ("+", "new B")))
    ]
