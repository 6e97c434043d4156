"""Applying unified diffs to an in-memory repository."""

from __future__ import annotations

import pytest

from fixloop.tasks.patch import MAX_OFFSET, PatchError, apply_patch

GREET = "def greet(name):\n    return 'hi ' + name\n\n\ndef shout(name):\n    return name.upper()\n"

FIX_GREET = """\
diff --git a/app/greet.py b/app/greet.py
index 3b18e51..a4c2f1d 100644
--- a/app/greet.py
+++ b/app/greet.py
@@ -1,2 +1,2 @@
 def greet(name):
-    return 'hi ' + name
+    return 'hello ' + name
"""


def test_modifies_a_file_and_returns_only_changed_files() -> None:
    files = {"app/greet.py": GREET, "README.md": "greetings\n"}

    result = apply_patch(files, FIX_GREET)

    assert result == {"app/greet.py": GREET.replace("'hi '", "'hello '")}
    assert files["app/greet.py"] == GREET


def test_creates_a_file_from_dev_null() -> None:
    patch = "--- /dev/null\n+++ b/app/extra.py\n@@ -0,0 +1,2 @@\n+X = 1\n+Y = 2\n"

    assert apply_patch({"app/greet.py": GREET}, patch) == {"app/extra.py": "X = 1\nY = 2\n"}


def test_accepts_diff_u_headers_with_timestamps() -> None:
    patch = FIX_GREET.replace("--- a/app/greet.py", "--- a/app/greet.py\t2024-05-01 10:00:00")

    assert "hello" in apply_patch({"app/greet.py": GREET}, patch)["app/greet.py"]


def test_applies_a_hunk_whose_context_moved_a_few_lines() -> None:
    shifted = "import os\nimport sys\n\n" + GREET

    result = apply_patch({"app/greet.py": shifted}, FIX_GREET)

    assert result["app/greet.py"] == shifted.replace("'hi '", "'hello '")


def test_later_hunks_follow_the_drift_of_earlier_ones() -> None:
    patch = (
        "--- a/app/greet.py\n+++ b/app/greet.py\n"
        "@@ -1,2 +1,3 @@\n def greet(name):\n+    name = name.strip()\n     return 'hi ' + name\n"
        "@@ -5,2 +6,2 @@\n def shout(name):\n-    return name.upper()\n+    return name.upper() + '!'\n"
    )

    result = apply_patch({"app/greet.py": "# header\n" + GREET}, patch)["app/greet.py"]

    assert result == "# header\n" + GREET.replace(
        "def greet(name):\n", "def greet(name):\n    name = name.strip()\n"
    ).replace("name.upper()", "name.upper() + '!'")


def test_honours_no_newline_at_end_of_file() -> None:
    patch = "--- a/v.txt\n+++ b/v.txt\n@@ -1 +1 @@\n-1.0\n\\ No newline at end of file\n+1.1\n"

    assert apply_patch({"v.txt": "1.0"}, patch) == {"v.txt": "1.1\n"}


def test_a_hunk_whose_context_is_absent_raises_naming_file_and_hunk() -> None:
    with pytest.raises(PatchError, match=r"app/greet.py: hunk 1 \(@@ -1,2 \+1,2 @@\) does not apply"):
        apply_patch({"app/greet.py": GREET.replace("'hi '", "'hey '")}, FIX_GREET)


def test_context_further_away_than_max_offset_does_not_apply() -> None:
    far = "\n" * (MAX_OFFSET + 1) + GREET

    with pytest.raises(PatchError, match="does not apply"):
        apply_patch({"app/greet.py": far}, FIX_GREET)


def test_patching_a_missing_file_raises() -> None:
    with pytest.raises(PatchError, match=r"app/greet\.py: .* no such file"):
        apply_patch({"other.py": ""}, FIX_GREET)


def test_creating_an_existing_file_raises() -> None:
    patch = "--- /dev/null\n+++ b/app/greet.py\n@@ -0,0 +1 @@\n+X = 1\n"

    with pytest.raises(PatchError, match="already exists"):
        apply_patch({"app/greet.py": GREET}, patch)


def test_deleting_a_file_is_not_supported() -> None:
    patch = "--- a/app/greet.py\n+++ /dev/null\n@@ -1,1 +0,0 @@\n-def greet(name):\n"

    with pytest.raises(PatchError, match="deleting files is not supported"):
        apply_patch({"app/greet.py": GREET}, patch)


def test_text_without_file_headers_raises() -> None:
    with pytest.raises(PatchError, match="changes no file"):
        apply_patch({"app/greet.py": GREET}, "just some words\n")


def test_a_hunk_shorter_than_its_header_raises() -> None:
    truncated = "".join(FIX_GREET.splitlines(keepends=True)[:-1])

    with pytest.raises(PatchError, match="ends before its stated line counts"):
        apply_patch({"app/greet.py": GREET}, truncated)
