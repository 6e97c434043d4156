from linediff import unified_diff

OLD = ["alpha", "beta", "gamma", "delta", "epsilon"]


def test_equal_inputs_give_an_empty_diff():
    assert unified_diff(OLD, list(OLD)) == ""


def test_changed_line_with_context():
    new = ["alpha", "beta", "GAMMA", "delta", "epsilon"]
    assert unified_diff(OLD, new, "old.txt", "new.txt", context=1) == (
        "--- old.txt\n+++ new.txt\n@@ -2,3 +2,3 @@\n beta\n-gamma\n+GAMMA\n delta\n"
    )


def test_single_line_ranges_leave_out_the_length():
    new = ["alpha", "BETA", "gamma", "delta", "epsilon"]
    assert unified_diff(OLD, new, context=0) == "--- a\n+++ b\n@@ -2 +2 @@\n-beta\n+BETA\n"


def test_insertion_without_context_names_the_line_before():
    new = OLD[:3] + ["new 1", "new 2"] + OLD[3:]
    assert unified_diff(OLD, new, context=0) == "--- a\n+++ b\n@@ -3,0 +4,2 @@\n+new 1\n+new 2\n"


def test_deletion_without_context_names_the_line_before_on_the_new_side():
    new = ["alpha", "beta", "delta", "epsilon"]
    assert unified_diff(OLD, new, context=0) == "--- a\n+++ b\n@@ -3 +2,0 @@\n-gamma\n"


def test_diff_from_and_to_an_empty_file():
    assert unified_diff([], ["one", "two"]) == "--- a\n+++ b\n@@ -0,0 +1,2 @@\n+one\n+two\n"
    assert unified_diff(["one", "two"], []) == "--- a\n+++ b\n@@ -1,2 +0,0 @@\n-one\n-two\n"
