import os

import pytest

from fixloop.env.workspace import Workspace, WorkspaceError


@pytest.fixture
def workspace():
    ws = Workspace({"pkg/mod.py": "x = 1\n", "README.md": "hi\n"})
    yield ws
    ws.close()


@pytest.mark.parametrize("path", ["../outside.txt", "pkg/../../outside.txt", "/etc/passwd", "~/secret"])
def test_paths_that_leave_the_workspace_are_refused(workspace, path):
    with pytest.raises(WorkspaceError, match=r"leaves the repository|absolute"):
        workspace.resolve(path)


def test_symlink_pointing_outside_is_refused_for_reading_and_writing(workspace, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("api-key")
    os.symlink(secret, workspace.root / "leak.txt")
    with pytest.raises(WorkspaceError, match="leaves the repository"):
        workspace.read("leak.txt")
    with pytest.raises(WorkspaceError, match="leaves the repository"):
        workspace.write("leak.txt", "overwritten")
    assert secret.read_text() == "api-key"


def test_write_then_undo_restores_previous_content(workspace):
    workspace.write("pkg/mod.py", "x = 2\n")
    workspace.undo()
    assert workspace.read("pkg/mod.py") == "x = 1\n"


def test_undo_of_a_created_file_removes_it(workspace):
    workspace.write("pkg/new.py", "y = 1\n")
    workspace.undo()
    assert "pkg/new.py" not in workspace.tree()


def test_undo_with_no_edit_is_refused(workspace):
    with pytest.raises(WorkspaceError, match="no edit to undo"):
        workspace.undo()


def test_restore_brings_back_the_original_repository(workspace):
    workspace.write("pkg/mod.py", "broken(\n")
    workspace.write("extra.py", "z = 3\n")
    workspace.restore()
    assert workspace.snapshot() == {"pkg/mod.py": "x = 1\n", "README.md": "hi\n"}
    assert workspace.history == []


def test_binary_and_oversized_writes_are_refused(workspace):
    with pytest.raises(WorkspaceError, match="binary"):
        workspace.write("blob.bin", "a\x00b")
    with pytest.raises(WorkspaceError, match="limit"):
        workspace.write("big.txt", "x" * (workspace.max_write_bytes + 1))


def test_changed_files_lists_edited_and_new_files(workspace):
    workspace.write("pkg/mod.py", "x = 5\n")
    workspace.write("new.py", "")
    assert workspace.changed_files() == ["new.py", "pkg/mod.py"]


def test_close_removes_the_directory():
    ws = Workspace({"a.py": ""})
    ws.close()
    assert not ws.root.exists()
