"""A worker's reused checkout holds exactly the files of each run, whatever the last run left."""

from __future__ import annotations

from fixloop.tasks.repo_tree import read_repo_tree
from fixloop.tasks.synthesis.workspace import ReusedCheckout

ORIGINAL = {
    "pkg/__init__.py": "",
    "pkg/core.py": "X = 1\n",
    "tests/test_core.py": "def test_x():\n    pass\n",
}


def test_each_checkout_holds_exactly_its_files_in_the_same_directory(tmp_path):
    checkouts = ReusedCheckout(tmp_path)
    first = checkouts.checkout({**ORIGINAL, "pkg/core.py": "X = 2\n"})
    (first / "tests" / "leftover.txt").write_text("left by a test\n")
    (first / "cache").mkdir()
    (first / "cache" / "data").write_text("x")
    (first / "pkg" / "__init__.py").unlink()
    (first / "pkg" / "__init__.py").symlink_to("/etc/hostname")

    second = checkouts.checkout(ORIGINAL)

    assert second == first
    assert read_repo_tree(second) == ORIGINAL
    assert not (second / "pkg" / "__init__.py").is_symlink()


def test_an_unchanged_file_is_not_rewritten(tmp_path):
    checkouts = ReusedCheckout(tmp_path)
    root = checkouts.checkout(ORIGINAL)
    stamp = (root / "tests" / "test_core.py").stat().st_mtime_ns

    checkouts.checkout({**ORIGINAL, "pkg/core.py": "X = 3\n"})

    assert (root / "tests" / "test_core.py").stat().st_mtime_ns == stamp
    assert (root / "pkg" / "core.py").read_text() == "X = 3\n"
