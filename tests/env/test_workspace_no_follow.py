"""Links planted in the workspace never let a host-side operation touch a file outside it.

Test code can replace any workspace file or folder with a symbolic link to a host path
between two steps. Each test plants links (to a canary directory standing for the host)
and checks that the canary stays byte-identical — names, modes and bytes — and that
nothing is created in it.
"""

import os
import socket

import pytest

from fixloop.env.actions import Reset, RunTests, UndoEdit, WriteFile
from fixloop.env.debug_env import DebugEnv
from fixloop.env.workspace import Workspace, WorkspaceError
from tests.env.host_canary import fingerprint, make_canary, replace_with_link

ORIGINAL = {"pkg/mod.py": "x = 1\n", "pkg/util.py": "y = 2\n", "README.md": "hi\n"}


@pytest.fixture
def host(tmp_path):
    return make_canary(tmp_path / "host")


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "episode").mkdir()
    ws = Workspace(ORIGINAL, parent=tmp_path / "episode")
    yield ws
    ws.close()


def plant_everything(root, host):
    """Links to host files and folders, a link loop, a FIFO, a socket and a deep tree."""
    replace_with_link(root / "pkg" / "mod.py", host / "secret.txt")
    replace_with_link(root / "README.md", host / "readonly.cfg")
    os.symlink(host / "dir", root / "hostdir")
    os.symlink(host / "not-there-yet.txt", root / "dangling.txt")
    os.symlink("loop", root / "loop")
    os.mkfifo(root / "pipe.py")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(root / "sock"))
    deep = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    for _ in range(300):
        os.mkdir("d", dir_fd=deep)
        inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=deep)
        os.close(deep)
        deep = inner
    os.symlink(host, "up", dir_fd=deep)
    os.close(deep)


def test_undo_never_writes_through_a_file_replaced_by_a_link(workspace, host):
    before = fingerprint(host)
    workspace.write("pkg/mod.py", "x = 2\n")
    replace_with_link(workspace.root / "pkg" / "mod.py", host / "secret.txt")
    with pytest.raises(WorkspaceError, match="symbolic link"):
        workspace.undo()
    assert fingerprint(host) == before
    assert len(workspace.history) == 1


def test_undo_of_a_new_file_never_deletes_through_a_link(workspace, host):
    before = fingerprint(host)
    workspace.write("new.py", "z = 3\n")
    replace_with_link(workspace.root / "new.py", host / "secret.txt")
    with pytest.raises(WorkspaceError, match="symbolic link"):
        workspace.undo()
    assert fingerprint(host) == before


def test_undo_never_writes_into_a_folder_replaced_by_a_link(workspace, host):
    before = fingerprint(host)
    workspace.write("pkg/mod.py", "x = 2\n")
    replace_with_link(workspace.root / "pkg", host / "dir")
    with pytest.raises(WorkspaceError, match="goes through 'pkg', a symbolic link: links are not followed"):
        workspace.undo()
    assert fingerprint(host) == before


@pytest.mark.parametrize(
    ("link", "target", "path"),
    [
        ("pkg", "dir", "pkg/mod.py"),
        ("newpkg", "dir", "newpkg/sub/new.py"),
        ("ghost.py", "created-by-a-write.txt", "ghost.py"),
        ("README.md", "readonly.cfg", "README.md"),
    ],
)
def test_a_write_never_goes_through_a_link(workspace, host, link, target, path):
    before = fingerprint(host)
    replace_with_link(workspace.root / link, host / target)
    with pytest.raises(WorkspaceError, match="symbolic link"):
        workspace.write(path, "owned = True\n")
    assert fingerprint(host) == before


def test_a_write_replaces_a_hard_link_to_a_host_file_instead_of_writing_through_it(workspace, host):
    before = fingerprint(host)
    (workspace.root / "pkg" / "mod.py").unlink()
    os.link(host / "calc.py", workspace.root / "pkg" / "mod.py")
    workspace.write("pkg/mod.py", "owned = True\n")
    assert fingerprint(host) == before
    assert workspace.read("pkg/mod.py") == "owned = True\n"


def test_reads_listings_and_snapshots_never_follow_a_link(workspace, host):
    before = fingerprint(host)
    plant_everything(workspace.root, host)
    for path in ("pkg/mod.py", "hostdir/mod.py", "dangling.txt", "loop", "pipe.py", "sock"):
        with pytest.raises(WorkspaceError):
            workspace.read(path)
    snapshot = workspace.snapshot()
    listing = workspace.listing()
    assert snapshot == {"pkg/util.py": "y = 2\n"}
    assert listing.files == ["pkg/util.py"]
    assert ("hostdir", "symbolic link") in listing.others
    assert ("pipe.py", "FIFO") in listing.others
    assert ("sock", "socket") in listing.others
    assert workspace.changed_files() == ["README.md", "pkg/mod.py"]
    assert fingerprint(host) == before


def test_restore_removes_planted_links_without_following_them(workspace, host):
    before = fingerprint(host)
    workspace.write("pkg/new.py", "n = 1\n")
    plant_everything(workspace.root, host)
    workspace.restore()
    assert fingerprint(host) == before
    assert workspace.snapshot() == ORIGINAL
    assert workspace.listing().others == []


def test_close_removes_planted_links_without_following_them(workspace, host):
    before = fingerprint(host)
    plant_everything(workspace.root, host)
    workspace.close()
    assert fingerprint(host) == before
    assert not workspace.root.exists()


def test_a_link_pointing_inside_the_workspace_is_reported_not_followed(workspace):
    os.symlink("pkg/mod.py", workspace.root / "alias.py")
    with pytest.raises(WorkspaceError, match=r"'alias.py' is a symbolic link \(to 'pkg/mod.py'\)"):
        workspace.read("alias.py")
    assert "alias.py" not in workspace.snapshot()
    assert workspace.listing().remarks() == ["alias.py (symbolic link; not followed or read)"]


def test_a_replaced_workspace_directory_is_refused_not_followed(workspace, host, tmp_path):
    before = fingerprint(host)
    os.rename(workspace.root, tmp_path / "moved")
    os.symlink(host, workspace.root)
    with pytest.raises(WorkspaceError, match="cannot be opened"):
        workspace.write("secret.txt", "owned")
    assert workspace.snapshot() == {}
    workspace.close()
    assert fingerprint(host) == before


def test_links_planted_by_sandboxed_test_code_never_let_undo_reset_or_close_touch_the_host(
    each_sandbox, calc_task, host
):
    """The real thing: test code run by each sandbox plants the links between steps."""
    before = fingerprint(host)
    plant = (
        "import os, pathlib, shutil\n\n"
        "def test_plant():\n"
        "    root = pathlib.Path(__file__).resolve().parent.parent\n"
        "    (root / 'calc.py').unlink()\n"
        f"    os.symlink({str(host / 'secret.txt')!r}, root / 'calc.py')\n"
        "    shutil.rmtree(root / 'notes')\n"
        f"    os.symlink({str(host / 'dir')!r}, root / 'notes')\n"
        "    os.mkfifo(root / 'pipe.py')\n"
    )
    env = DebugEnv(each_sandbox)
    env.reset(calc_task)
    env.step(WriteFile(path="calc.py", content="def add(a, b):\n    return a + b\n"))
    env.step(WriteFile(path="notes/plan.txt", content="plan\n"))
    env.step(WriteFile(path="tests/test_plant.py", content=plant))
    env.step(RunTests(target="tests/test_plant.py"))
    root = env.workspace.root
    assert (root / "calc.py").is_symlink() and (root / "notes").is_symlink()

    results = [env.step(UndoEdit()) for _ in range(3)]
    assert results[0].observation.last_action_error is None  # tests/test_plant.py, a plain file
    assert "symbolic link" in results[1].observation.last_action_error  # notes/plan.txt
    assert "symbolic link" in results[2].observation.last_action_error  # still notes/plan.txt
    assert fingerprint(host) == before

    observation = env.step(Reset()).observation
    assert observation.last_action_error is None
    assert observation.repo_tree == sorted(calc_task.files)
    assert fingerprint(host) == before

    replant = plant.replace("shutil.rmtree(root / 'notes')\n", "")
    env.step(WriteFile(path="tests/test_plant.py", content=replant))
    env.step(RunTests(target="tests/test_plant.py"))
    env.close()
    assert fingerprint(host) == before
