import pytest

from linediff import PatchError, apply_patch, unified_diff

OLD = [f"row {n}" for n in range(1, 13)]

# Written by GNU diff (`diff -U0 old new` and `diff -u /dev/null new`), timestamps removed.
GNU_INSERTION = """--- old
+++ new
@@ -3,0 +4,2 @@
+inserted 1
+inserted 2
@@ -9 +11 @@
-row 9
+ROW 9
"""
GNU_NEW_FILE = """--- /dev/null
+++ new
@@ -0,0 +1,2 @@
+first
+second
"""


def test_apply_patches_written_by_gnu_diff():
    expected = OLD[:3] + ["inserted 1", "inserted 2"] + OLD[3:8] + ["ROW 9"] + OLD[9:]
    assert apply_patch(OLD, GNU_INSERTION) == expected
    assert apply_patch([], GNU_NEW_FILE) == ["first", "second"]


def test_patch_that_does_not_match_is_rejected():
    with pytest.raises(PatchError):
        apply_patch(["row 1", "row 2"], GNU_INSERTION)


def test_round_trip_of_edits_with_context():
    new = OLD[:2] + ["new"] + OLD[4:10] + OLD[11:] + ["tail"]
    assert apply_patch(OLD, unified_diff(OLD, new)) == new


def test_round_trip_of_insertions_without_context():
    new = ["head"] + OLD[:5] + ["middle 1", "middle 2"] + OLD[5:]
    assert apply_patch(OLD, unified_diff(OLD, new, context=0)) == new


def test_round_trip_of_a_new_file():
    assert apply_patch([], unified_diff([], ["only line"])) == ["only line"]
