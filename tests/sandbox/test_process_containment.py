"""As root, the process sandbox keeps hostile test code away from fixloop and from later runs.

Each attack runs as real test code through `ProcessSandbox.run_tests`, per run and from a
warm worker, and reports what it managed in `attempts.json`; the test asserts it managed
nothing. The workspace sits in an episode directory made private (mode 0700) as
`tempfile.mkdtemp` makes fixloop's own.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from fixloop.sandbox import ProcessSandbox, SandboxLimits, TestOutcome, TestRunResult
from fixloop.sandbox.search_acl import ACL_XATTR

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0,
    reason="only as root does the process sandbox run test code under a uid of its own "
    "(CI runs as root); as another user test code runs as that user, see ProcessSandbox",
)

HOSTILE = SandboxLimits(timeout_s=10)

ANCESTORS = """
    import os

    def ancestors(until=1):
        '''The pids above this process, its parent first, down to `until` (excluded).'''
        pid = os.getppid()
        while pid not in (0, until):
            yield pid
            with open(f"/proc/{pid}/stat") as stat:
                pid = int(stat.read().rsplit(")", 1)[1].split()[1])
"""


@dataclass
class Runs:
    """A sandbox serving runs in `workspace` (inside `episode`) per run or from a warm worker."""

    sandbox: ProcessSandbox
    episode: Path
    workspace: Path

    def attack(self, source: str, *, facts: dict[str, object] | None = None) -> tuple[TestRunResult, dict]:
        """Run `source` (one test module) with `facts.json` beside it; the run and what its
        test wrote to `attempts.json`."""
        (self.workspace / "facts.json").write_text(json.dumps(facts or {}))
        (self.workspace / "test_attack.py").write_text(textwrap.dedent(ANCESTORS) + textwrap.dedent(source))
        result = self.sandbox.run_tests(self.workspace, limits=HOSTILE)
        attempts = self.workspace / "attempts.json"
        return result, json.loads(attempts.read_text()) if attempts.exists() else {}


def _private_episode(tmp_path: Path) -> tuple[Path, Path]:
    episode = tmp_path / "episode"
    episode.mkdir(mode=0o700)
    workspace = episode / "workspace"
    workspace.mkdir()
    return episode, workspace


@pytest.fixture(params=["per-run", "warm"])
def runs(request: pytest.FixtureRequest, process_sandbox: ProcessSandbox, tmp_path: Path) -> Iterator[Runs]:
    episode, workspace = _private_episode(tmp_path)
    if request.param == "warm":
        process_sandbox.start_episode(episode)
    try:
        yield Runs(process_sandbox, episode, workspace)
    finally:
        process_sandbox.end_episode(episode)


def _passed(result: TestRunResult) -> bool:
    return result.outcome_of("test_attack.py::test_attack") == TestOutcome.passed


def _alive(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _sleeper(uid: int) -> subprocess.Popen[bytes]:
    """A process of `uid` (0: root) that sleeps until killed."""
    return subprocess.Popen(
        [sys.executable, "-I", "-S", "-c", "import time; time.sleep(60)"],
        user=uid,
        group=uid,
        extra_groups=[],
        cwd="/",
        start_new_session=True,
    )


def test_test_code_runs_as_the_sandbox_uid_with_no_groups(runs: Runs) -> None:
    run_as = runs.sandbox.run_as()
    assert run_as is not None and 0 not in run_as

    result, attempts = runs.attack(
        """
        import json

        def test_attack():
            ids = [os.getuid(), os.geteuid(), os.getgid(), os.getgroups()]
            json.dump({"ids": ids}, open("attempts.json", "w"))
        """
    )

    assert _passed(result), result.output
    assert attempts["ids"] == [run_as[0], run_as[0], run_as[1], []]


def test_test_code_cannot_read_the_environment_of_fixloop_or_any_ancestor(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = "sk-fixloop-fake-secret-0123456789"
    monkeypatch.setenv("FIXLOOP_FAKE_API_KEY", secret)

    result, attempts = runs.attack(
        """
        import json

        def test_attack():
            read = {}
            for pid in ancestors():
                try:
                    read[pid] = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace")
                except OSError as exc:
                    read[pid] = type(exc).__name__
            json.dump({"environ": read, "own": dict(os.environ)}, open("attempts.json", "w"))
        """
    )

    assert _passed(result), result.output
    assert str(os.getpid()) in attempts["environ"]
    assert set(attempts["environ"].values()) == {"PermissionError"}
    assert secret not in json.dumps(attempts) + result.output


def test_test_code_can_neither_ptrace_nor_kill_fixloop(runs: Runs) -> None:
    result, attempts = runs.attack(
        """
        import ctypes
        import json
        import signal

        PTRACE_ATTACH, PTRACE_DETACH = 16, 17

        def test_attack():
            libc = ctypes.CDLL(None, use_errno=True)
            done = []
            targets = [*ancestors(until=FIXLOOP), FIXLOOP]
            for pid in targets:
                if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
                    libc.ptrace(PTRACE_DETACH, pid, None, None)
                    done.append(f"ptrace-attached {pid}")
                try:
                    open(f"/proc/{pid}/mem", "r+b").close()
                    done.append(f"opened the memory of {pid}")
                except OSError:
                    pass
            json.dump({"targets": targets, "done": done}, open("attempts.json", "w"))
            for pid in targets:
                try:
                    os.kill(pid, signal.SIGKILL)
                except OSError:
                    continue
                done.append(f"killed {pid}")
            json.dump({"targets": targets, "done": done}, open("attempts.json", "w"))
        """.replace("FIXLOOP", str(os.getpid()))
    )

    assert _passed(result), result.output
    assert attempts["targets"][-1] == os.getpid()
    assert attempts["done"] == []


def test_test_code_cannot_change_the_support_directory(runs: Runs) -> None:
    support = Path(runs.sandbox._support.path)
    before = {path.name: path.read_bytes() for path in support.iterdir()}

    result, attempts = runs.attack(
        """
        import json

        def test_attack():
            support = os.environ["PYTHONPATH"]
            plugin = os.path.join(support, "fixloop_report.py")
            attacks = {
                "append to the plugin": lambda: open(plugin, "a").write("FORGED = True\\n"),
                "replace the plugin": lambda: os.rename(plugin, plugin + ".old"),
                "remove the plugin": lambda: os.unlink(plugin),
                "chmod the plugin": lambda: os.chmod(plugin, 0o666),
                "add a module": lambda: open(os.path.join(support, "sitecustomize.py"), "w").close(),
                "chmod the directory": lambda: os.chmod(support, 0o777),
            }
            done = []
            for name, attack in attacks.items():
                try:
                    attack()
                except OSError:
                    continue
                done.append(name)
            json.dump({"done": done}, open("attempts.json", "w"))
        """
    )

    assert _passed(result), result.output
    assert attempts["done"] == []
    assert {path.name: path.read_bytes() for path in support.iterdir()} == before
    assert support.stat().st_uid == 0 and support.stat().st_mode & 0o022 == 0


def test_test_code_cannot_add_files_beside_its_workspace(runs: Runs) -> None:
    result, attempts = runs.attack(
        """
        import json

        def test_attack():
            attacks = {
                "write a file": lambda: open("../pytest.ini", "w").write("[pytest]\\n"),
                "make a directory": lambda: os.mkdir("../planted"),
                "rename the workspace": lambda: os.rename("../workspace", "../moved"),
            }
            done = []
            for name, attack in attacks.items():
                try:
                    attack()
                except OSError:
                    continue
                done.append(name)
            json.dump({"done": done}, open("attempts.json", "w"))
        """
    )

    assert _passed(result), result.output
    assert attempts["done"] == []
    assert [path.name for path in runs.episode.iterdir()] == ["workspace"]


def test_a_double_forked_daemon_is_dead_when_the_run_returns(runs: Runs) -> None:
    result, _ = runs.attack(
        """
        import time

        def test_attack():
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    null = os.open(os.devnull, os.O_RDWR)
                    for fd in (0, 1, 2):
                        os.dup2(null, fd)
                    with open("daemon.pid", "w") as pid_file:
                        pid_file.write(str(os.getpid()))
                    while True:
                        with open("heartbeat", "a") as beat:
                            beat.write(".")
                        time.sleep(0.05)
                os._exit(0)
            deadline = time.monotonic() + 5
            while not os.path.exists("heartbeat") and time.monotonic() < deadline:
                time.sleep(0.01)
            assert os.path.exists("heartbeat")
        """
    )

    assert _passed(result), result.output
    daemon = int((runs.workspace / "daemon.pid").read_text())
    heartbeat = runs.workspace / "heartbeat"
    time.sleep(0.1)  # SIGKILL is delivered asynchronously
    assert not _alive(daemon)
    size = heartbeat.stat().st_size
    time.sleep(0.3)
    assert heartbeat.stat().st_size == size


@pytest.mark.parametrize("ending", ["end_episode", "close"])
def test_ending_an_episode_or_closing_kills_every_process_of_the_sandbox_uid(
    tmp_path: Path, ending: str
) -> None:
    episode, _ = _private_episode(tmp_path)
    with ProcessSandbox() as sandbox:
        run_as = sandbox.run_as()
        assert run_as is not None
        sandbox.start_episode(episode)
        straggler = _sleeper(run_as[0])
        try:
            if ending == "end_episode":
                sandbox.end_episode(episode)
            else:
                sandbox.close()
            assert straggler.wait(timeout=5) == -signal.SIGKILL
        finally:
            straggler.kill()
            straggler.wait()


def test_a_runs_end_kills_no_process_of_root_or_of_another_sandbox(
    process_sandbox: ProcessSandbox, tmp_path: Path
) -> None:
    _, workspace = _private_episode(tmp_path)
    (workspace / "test_ok.py").write_text("def test_ok():\n    pass\n")
    with ProcessSandbox() as other:
        other_uid = other.run_as()
        assert other_uid is not None
        bystanders = [_sleeper(0), _sleeper(other_uid[0])]
        try:
            result = process_sandbox.run_tests(workspace)
            time.sleep(0.1)
            assert [bystander.poll() for bystander in bystanders] == [None, None]
        finally:
            for bystander in bystanders:
                bystander.kill()
                bystander.wait()

    assert result.passed == 1, result.output


def test_a_private_directory_above_the_workspace_lets_only_the_sandbox_uid_through_until_close(
    tmp_path: Path,
) -> None:
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    workspace = private / "workspace"
    workspace.mkdir()
    (workspace / "test_ok.py").write_text("def test_ok():\n    pass\n")

    with ProcessSandbox() as sandbox:
        result = sandbox.run_tests(workspace)
        during = private.stat().st_mode & 0o777

    assert result.passed == 1, result.output
    assert during == 0o710  # the ACL's mask shows in the group bits; the group itself gets nothing
    assert private.stat().st_mode & 0o777 == 0o700
    with pytest.raises(OSError, match="No data"):
        os.getxattr(private, ACL_XATTR)


def test_files_planted_in_the_workers_scratch_never_run_as_root(
    process_sandbox: ProcessSandbox, tmp_path: Path
) -> None:
    episode, workspace = _private_episode(tmp_path)
    marker = tmp_path / "ran-as"
    (workspace / "test_plant.py").write_text(
        textwrap.dedent(
            f"""
            import os
            import tempfile

            def test_plant():
                warm_up = os.path.join(os.path.dirname(tempfile.gettempdir()), "warm-up-pytest")
                os.makedirs(warm_up, exist_ok=True)
                with open(os.path.join(warm_up, "conftest.py"), "w") as conftest:
                    conftest.write("import os\\nopen({str(marker)!r}, 'w').write(str(os.getuid()))\\n")
            """
        )
    )
    process_sandbox.start_episode(episode)
    try:
        planted = process_sandbox.run_tests(workspace)
        # A conftest hook makes the worker fall back to real pytest, which it warms up first.
        (workspace / "test_plant.py").unlink()
        (workspace / "conftest.py").write_text("def pytest_configure(config):\n    pass\n")
        (workspace / "test_ok.py").write_text("def test_ok():\n    pass\n")
        fallback = process_sandbox.run_tests(workspace)
    finally:
        process_sandbox.end_episode(episode)

    assert planted.passed == 1 and fallback.runner == "warm-pytest", fallback.output
    assert not marker.exists() or marker.read_text() != "0"
