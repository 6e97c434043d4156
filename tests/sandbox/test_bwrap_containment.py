"""Hostile test code under bubblewrap is contained, and the sandbox keeps working after it."""

from __future__ import annotations

import json
import os
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

import fixloop
from fixloop.sandbox import BwrapSandbox, SandboxLimits, TestOutcome
from fixloop.sandbox.bwrap_sandbox import system_paths

WriteRepo = Callable[[dict[str, str]], Path]
StillWorks = Callable[[BwrapSandbox], None]

PROJECT_DIR = Path(fixloop.__file__).resolve().parents[2]
HOSTILE = SandboxLimits(timeout_s=3)


def test_network_connections_fail_even_to_the_hosts_loopback(
    bwrap_runs: BwrapSandbox, write_repo: WriteRepo, assert_still_works: StillWorks
) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        workspace = write_repo(
            {
                "test_net.py": f"""
                    import socket
                    import pytest

                    @pytest.mark.parametrize("address", [("127.0.0.1", {port}), ("1.1.1.1", 80)])
                    def test_connect_fails(address):
                        with pytest.raises(OSError):
                            socket.create_connection(address, timeout=1).close()
                """
            }
        )

        result = bwrap_runs.run_tests(workspace, limits=HOSTILE)

    assert result.passed == 2, result.output
    assert_still_works(bwrap_runs)


def test_writes_outside_the_workspace_fail_or_stay_inside_the_sandbox(
    bwrap_runs: BwrapSandbox, write_repo: WriteRepo, tmp_path: Path, assert_still_works: StillWorks
) -> None:
    name = f"fixloop-escape-{uuid.uuid4().hex}"
    outside = tmp_path / "outside"
    outside.mkdir()
    targets = [
        Path("/usr") / name,
        Path("/etc") / name,
        Path("/tmp") / name,
        PROJECT_DIR / name,
        Path.home() / name,
        outside / name,
    ]
    workspace = write_repo(
        {
            "targets.json": json.dumps([str(target) for target in targets]),
            "test_escape.py": """
                import json
                import pathlib

                def test_write_everywhere():
                    for target in json.loads(pathlib.Path("targets.json").read_text()):
                        try:
                            pathlib.Path(target).write_text("escaped")
                        except OSError:
                            pass

                def test_system_is_read_only():
                    for target in ["/usr/escape", "/usr/bin/escape"]:
                        try:
                            pathlib.Path(target).write_text("escaped")
                        except OSError:
                            continue
                        raise AssertionError(f"wrote {target}")
            """,
        }
    )

    try:
        result = bwrap_runs.run_tests(workspace, limits=HOSTILE)
        reached = [str(target) for target in targets if target.exists()]
    finally:
        for target in targets:
            target.unlink(missing_ok=True)

    assert result.passed == 2, result.output
    assert reached == []
    assert_still_works(bwrap_runs)


def test_home_project_and_etc_are_not_visible(bwrap_runs: BwrapSandbox, write_repo: WriteRepo) -> None:
    home = Path.home()
    # Only the Python installation may show through, when it lives in the home directory.
    allowed_in_home = {
        Path(path).relative_to(home).parts[0]
        for path in system_paths()
        if Path(path).is_relative_to(home) and Path(path) != home
    }
    workspace = write_repo(
        {
            "expect.json": json.dumps(
                {"home": str(home), "allowed": sorted(allowed_in_home), "project": str(PROJECT_DIR)}
            ),
            "test_look.py": """
                import json
                import os
                import pathlib

                EXPECT = json.loads(pathlib.Path("expect.json").read_text())

                def test_home_shows_only_the_python_installation():
                    home = EXPECT["home"]
                    entries = os.listdir(home) if os.path.isdir(home) else []
                    assert set(entries) <= set(EXPECT["allowed"])

                def test_project_sources_are_invisible():
                    project = pathlib.Path(EXPECT["project"])
                    assert not (project / "pyproject.toml").exists()
                    assert not (project / "src").exists()

                def test_etc_holds_only_localtime():
                    assert set(os.listdir("/etc")) <= {"localtime"}
            """,
        }
    )

    result = bwrap_runs.run_tests(workspace)

    assert result.passed == 3, result.output


def test_a_fork_bomb_is_stopped_by_the_process_limit_and_the_run_ends(
    bwrap_runs: BwrapSandbox, write_repo: WriteRepo, assert_still_works: StillWorks
) -> None:
    workspace = write_repo(
        {
            "test_bomb.py": """
                import errno
                import os
                import time

                def test_fork_bomb():
                    children = 0
                    try:
                        while children < 200:
                            if os.fork() == 0:
                                time.sleep(60)
                                os._exit(0)
                            children += 1
                    except OSError as exc:
                        assert exc.errno == errno.EAGAIN
                    assert children < 16
            """
        }
    )

    result = bwrap_runs.run_tests(workspace, limits=SandboxLimits(timeout_s=10, max_processes=16))

    assert result.outcome_of("test_bomb.py::test_fork_bomb") == TestOutcome.passed, result.output
    assert not result.timed_out
    assert_still_works(bwrap_runs)


def test_a_memory_hog_gets_a_memory_error(
    bwrap_runs: BwrapSandbox, write_repo: WriteRepo, assert_still_works: StillWorks
) -> None:
    workspace = write_repo(
        {
            "test_hog.py": """
                def test_hog():
                    blocks = []
                    while True:
                        blocks.append(bytearray(16 * 1024 * 1024))
            """
        }
    )

    result = bwrap_runs.run_tests(workspace, limits=SandboxLimits(timeout_s=3, memory_mb=256))

    (hog,) = result.tests
    assert hog.outcome == TestOutcome.failed
    assert "MemoryError" in hog.message
    assert_still_works(bwrap_runs)


@pytest.mark.parametrize("mode", ["per-run", "warm"])
def test_the_private_tmp_is_bounded_by_the_memory_limit(
    needs_bwrap: None, write_repo: WriteRepo, mode: str
) -> None:
    workspace = write_repo(
        {
            "test_fill.py": """
                import errno
                import pytest

                def test_fill_tmp():
                    with pytest.raises(OSError) as raised, open("/tmp/filler", "wb") as filler:
                        for _ in range(100):
                            filler.write(bytes(1024 * 1024))
                            filler.flush()
                    assert raised.value.errno == errno.ENOSPC
            """
        }
    )
    # A warm worker's /tmp lives as long as its episode: the sandbox's limits bound it.
    limits = SandboxLimits(memory_mb=64, max_file_bytes=1024**3)
    with BwrapSandbox(limits) as sandbox:
        if mode == "warm":
            sandbox.start_episode(workspace)

        result = sandbox.run_tests(workspace)

    assert result.outcome_of("test_fill.py::test_fill_tmp") == TestOutcome.passed, result.output


def test_files_left_in_tmp_do_not_reach_the_next_run(bwrap_runs: BwrapSandbox, write_repo: WriteRepo) -> None:
    workspace = write_repo(
        {
            "test_tmp.py": """
                import os

                def test_tmp_holds_nothing_of_earlier_runs():
                    assert not os.path.exists("/tmp/pytest.ini")
                    with open("/tmp/pytest.ini", "w") as planted:
                        planted.write("[pytest]\\naddopts = -p no:python\\n")
            """
        }
    )

    runs = [bwrap_runs.run_tests(workspace) for _ in range(2)]

    assert [run.passed for run in runs] == [1, 1], runs[1].output


@pytest.mark.skipif(
    os.geteuid() != 0, reason="test code runs under its own uid only when fixloop runs as root"
)
def test_in_an_episode_test_code_cannot_add_files_beside_its_workspace(
    bwrap_sandbox: BwrapSandbox, tmp_path: Path
) -> None:
    episode = tmp_path / "episode"
    workspace = episode / "workspace"
    workspace.mkdir(parents=True)
    (workspace / "test_plant.py").write_text(
        "import pytest\n\n"
        "def test_plant():\n"
        "    with pytest.raises(PermissionError):\n"
        "        open('../pytest.ini', 'w')\n"
    )
    bwrap_sandbox.start_episode(episode)
    try:
        result = bwrap_sandbox.run_tests(workspace)
    finally:
        bwrap_sandbox.end_episode(episode)

    assert result.passed == 1, result.output
    assert not (episode / "pytest.ini").exists()


def test_an_endless_loop_and_its_escaped_children_end_at_the_timeout(
    bwrap_runs: BwrapSandbox, write_repo: WriteRepo, assert_still_works: StillWorks
) -> None:
    workspace = write_repo(
        {
            "test_linger.py": """
                import os
                import time

                def test_linger():
                    if os.fork() == 0:
                        os.setsid()  # leave the process group
                        while True:
                            with open("heartbeat", "a") as beat:
                                beat.write(".")
                            time.sleep(0.05)
                    while True:
                        pass
            """
        }
    )

    result = bwrap_runs.run_tests(workspace, limits=SandboxLimits(timeout_s=2))

    assert result.timed_out
    heartbeat = workspace / "heartbeat"
    time.sleep(0.3)  # the namespace teardown after the kill is asynchronous
    size = heartbeat.stat().st_size
    time.sleep(0.3)
    assert heartbeat.stat().st_size == size, "a process of the run is still alive"
    assert_still_works(bwrap_runs)


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid drop only happens when running as root")
def test_tests_run_as_the_sandbox_uid_not_root(bwrap_runs: BwrapSandbox, write_repo: WriteRepo) -> None:
    run_as = bwrap_runs.run_as()
    assert run_as is not None
    workspace = write_repo(
        {
            "test_uid.py": f"""
                import os

                def test_uid():
                    assert (os.getuid(), os.getgid(), os.getgroups()) == ({run_as[0]}, {run_as[1]}, [])
            """
        }
    )

    result = bwrap_runs.run_tests(workspace)

    assert result.passed == 1, result.output
