"""The warm worker: a long-lived process in the sandbox that forks one child per test run.

This file is copied into the sandbox as `fixloop_worker.py` and run there as

    python fixloop_worker.py [--uid U] --scratch DIR [--clean-tmp KEEP ...]

with the support directory first on `sys.path`, so it imports only the standard library,
pytest, and its sibling support modules (`fixloop_launcher`, `fixloop_fast`,
`fixloop_code`, `fixloop_killer`, `fixloop_output`, `fixloop_report`).

At start it imports pytest and runs a tiny test once with the fast path (filling pytest's
lazy caches), then freezes the heap, so a child forked from it starts with all of that
already done; real pytest is warmed the same way before the first run that needs it. It then
reads one JSON request per line on stdin and answers each with one JSON line on stdout;
its first line is `{"ready": true, "pytest": VERSION}`.

For each request it forks a child that starts a new session, drops to `--uid/--gid` when
given, applies the request's limits, replaces its environment with the request's, enters
the workspace and runs the tests: first with `fixloop_fast` (a fast path for the common
subset of pytest); if that declines, a second child runs real `pytest.main`. The worker
reads the child's output (head and tail within the cap), kills its process group at the
wall deadline and once it exits, and, when children run under their own uid, kills every
process left with that uid, so nothing of one run survives into the next. Each child gets
a fresh temporary directory (`TMPDIR`, so `tempfile` and pytest's `tmp_path` use it) and
removes those of earlier runs; with `--clean-tmp` (a sandbox with its own /tmp) the
worker also empties /tmp after each run, but for the paths it is told to keep. The verdicts
come back as the report plugin's JSON lines (`report`).

Test code never runs in the worker itself, and with `--uid` it cannot signal the worker.
"""

from __future__ import annotations

import argparse
import ast
import bisect
import contextlib
import ctypes
import faulthandler
import gc
import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from typing import Any, NoReturn

import _pytest._code.code
import _pytest._code.source
import _pytest.assertion.rewrite
import fixloop_code  # type: ignore[import-not-found]
import fixloop_fast  # type: ignore[import-not-found]
import fixloop_killer  # type: ignore[import-not-found]
import fixloop_launcher  # type: ignore[import-not-found]
import fixloop_output  # type: ignore[import-not-found]
import fixloop_report  # type: ignore[import-not-found]
import pytest

PYTEST_ARGS = [
    "-p", "no:cacheprovider",
    "-q",
    "-o", "console_output_style=classic",
    "--color=no",
]  # fmt: skip
"""The options of a real pytest run: the per-run sandbox's command line, except that the
report plugin is passed as the module object already imported (`-p` would import it again
for assertion rewriting, and warn that it cannot)."""

FALLBACK_EXIT = 87
"""A fast-path child's exit status meaning "run this with real pytest instead"."""

KILL_GRACE_S = 1.0
"""How long output is still read after a child is killed."""

REPORT_FD = fixloop_report.REPORT_FD
"""Where a child finds its report pipe (a pipe, not a file: a test filling /tmp or the disk
cannot make the verdicts disappear); `fixloop_report.start_run` takes it from there."""

SETUP_FD = REPORT_FD + 1
"""Where a child says, with one byte just before test code runs, that its setup (privileges,
limits, environment, the workspace) succeeded: a child that exits without saying so failed
in the sandbox's own work, not in test code's."""

SETUP_DONE = b"1"

MAX_REPORT_BYTES = 64 * 1024 * 1024
"""Report bytes kept per run; only forged or absurd reports are longer."""

_WARM_UP_TEST = """\
import pytest


@pytest.fixture
def value(tmp_path, capsys, monkeypatch):
    return 1


@pytest.mark.parametrize("expected", [1, 2])
def test_value(value, expected):
    assert value == expected


def test_raises():
    with pytest.raises(ValueError):
        int("x")
"""


def _warm_up(runner: str) -> None:
    """Run a tiny test suite here with `runner`, so children inherit warm caches.

    "fast" warms the fast path (at start); "pytest" warms real pytest, which costs about
    100 ms, so the worker does it only before its first fallback. It runs in a new
    directory only the worker's own uid can enter: never in the scratch directory, where
    test code could plant a conftest.py for the worker to run. Whatever the run leaves in
    `sys.modules`, `sys.path` and `sys.meta_path` is removed again; a failure is reported
    on stderr and otherwise ignored (the children are only slower).
    """
    directory = tempfile.mkdtemp(prefix=f"fixloop-warm-up-{runner}-")
    # In a subdirectory, as most tests are: collection then also compiles the patterns of
    # the directories it does not enter, once here instead of in every child.
    os.mkdir(os.path.join(directory, "tests"))
    with open(os.path.join(directory, "tests", "test_warm_up.py"), "w") as handle:
        handle.write(_WARM_UP_TEST)
    modules, path, meta_path, cwd = set(sys.modules), list(sys.path), list(sys.meta_path), os.getcwd()
    report = os.open(os.devnull, os.O_WRONLY)
    try:
        os.chdir(directory)
        sys.path.insert(0, directory)
        if runner == "fast":
            fixloop_fast.run_fast(directory, [], report)
        else:
            pytest.main(["-p", "no:cacheprovider", "-q", f"--rootdir={directory}"])
    except BaseException:
        traceback.print_exc()
    finally:
        os.close(report)
        os.chdir(cwd)
        sys.path[:] = path
        sys.meta_path[:] = meta_path
        for name in set(sys.modules) - modules:
            if name == "conftest" or name.startswith("test_"):
                del sys.modules[name]
        sys.stdout.flush()
        shutil.rmtree(directory, ignore_errors=True)


def _run_child(
    request: dict[str, Any],
    runner: str,
    output_fd: int,
    report_fd: int,
    setup_fd: int,
    run_tmp: str,
    uid: int | None,
    code_cache: fixloop_code.CodeCache,
) -> NoReturn:
    """The child's whole life: isolate, limit, run the tests with `runner`, exit with its code."""
    try:
        os.setsid()
        os.dup2(output_fd, 1)
        os.dup2(output_fd, 2)
        os.dup2(report_fd, REPORT_FD)
        os.dup2(setup_fd, SETUP_FD)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        # Nothing of the worker's (its answer channel above all) stays open in test code.
        os.closerange(SETUP_FD + 1, os.sysconf("SC_OPEN_MAX"))
        if uid is not None:
            fixloop_launcher.drop_privileges(uid, uid)
        fixloop_launcher.apply_limits(
            request["memory_bytes"],
            request["cpu_seconds"],
            request["max_processes"],
            request["max_file_bytes"],
        )
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["TMPDIR"] = run_tmp
        tempfile.tempdir = None
        _remove_earlier_tmp(os.path.dirname(run_tmp), keep=run_tmp)
        if request["coverage"]:
            os.environ[fixloop_report.COVERAGE_ENV] = "1"
        workspace, targets = request["workspace"], request["targets"]
        channel = fixloop_report.start_run(workspace)
        code_cache.install()
        os.chdir(workspace)
        sys.path.insert(0, workspace)
        os.write(SETUP_FD, SETUP_DONE)
        os.close(SETUP_FD)
        if runner == "fast":
            code = _run_fast(workspace, targets, request["coverage"], channel)
        else:
            arguments = [*PYTEST_ARGS, *fixloop_report.config_args(workspace), f"--rootdir={workspace}"]
            arguments = [*arguments, "--", *targets] if targets else arguments
            code = int(pytest.main(arguments, plugins=[fixloop_report]))
        if code != FALLBACK_EXIT:
            fixloop_report.end_run(code)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:
        traceback.print_exc()
        code = 1
    with contextlib.suppress(BaseException):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _run_fast(workspace: str, targets: list[str], coverage: bool, channel: int) -> int:
    """The fast path's exit code, or `FALLBACK_EXIT` when it declines or breaks.

    Whatever this child did is discarded on a fallback, so a bug in the fast path costs
    time, never a wrong verdict.
    """
    tracer = fixloop_report.LineTracer(workspace) if coverage else None
    # As pytest's faulthandler plugin does: a crash's traceback goes to the real stderr,
    # past the output capture.
    faulthandler.enable(file=os.dup(2))
    try:
        code = fixloop_fast.run_fast(workspace, targets, channel, tracer)
    except BaseException:
        return FALLBACK_EXIT
    return FALLBACK_EXIT if code is None else int(code)


def _remove_earlier_tmp(scratch: str, keep: str) -> None:
    """Remove the temporary directories of earlier runs (as the uid that wrote them)."""
    for entry in os.listdir(scratch):
        path = os.path.join(scratch, entry)
        if entry.startswith("tmp-") and path != keep:
            shutil.rmtree(path, ignore_errors=True)


def _clean_tmp(keep: list[str]) -> None:
    """Remove what is in /tmp but the `keep` paths and the directories leading to them.

    Only for a sandbox whose /tmp is its own: what is kept are the paths bound from the
    host, everything else is the sandbox's.
    """
    _remove_entries("/tmp", keep)


def _remove_entries(directory: str, keep: list[str]) -> None:
    """Remove what is in `directory` but the `keep` paths and the directories leading to
    them, following no link."""
    for entry in os.listdir(directory):
        path = os.path.join(directory, entry)
        if any(kept == path or kept.startswith(path + os.sep) for kept in keep):
            continue
        if os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(path)


class StrayKiller:
    """Kills every process of the children's uid after a run: through the small killer
    process (`fixloop_killer`) while it answers, else by forking the worker."""

    def __init__(self, uid: int) -> None:
        self.uid = uid
        program = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixloop_killer.py")
        try:
            self._killer: subprocess.Popen[bytes] | None = subprocess.Popen(
                [sys.executable, "-S", "-E", "-B", program, str(uid)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                bufsize=0,
            )
        except OSError:
            self._killer = None

    def kill_all(self) -> None:
        """SIGKILL every process of the uid (`fixloop_killer.kill_all`); never raises."""
        killer = self._killer
        if killer is not None and killer.stdin is not None and killer.stdout is not None:
            try:
                killer.stdin.write(b"k")
                if killer.stdout.read(1) == fixloop_killer.ACK:
                    return
            except OSError:
                pass
            killer.kill()
            killer.wait()
            self._killer = None
        fixloop_killer.kill_all(self.uid)


SYSV_IPC_TABLES = {"shm": ("shmid", "shmctl"), "sem": ("semid", "semctl"), "msg": ("msqid", "msgctl")}
"""Each SysV IPC table under /proc/sysvipc: its id column and the libc call that removes an entry."""

IPC_RMID = 0
"""The command that removes a SysV IPC object (<sys/ipc.h>)."""


def _remove_ipc_objects(uid: int) -> None:
    """Remove every SysV shared memory segment, semaphore set and message queue `uid` owns.

    They outlive the processes that made them (in the sandbox's IPC namespace, or the
    host's); a child that dropped to `uid` removes them, as only their owner may. No
    process of `uid` runs meanwhile, so none can appear after the tables are read.
    """
    tables = {table: _ipc_ids(table, id_column, uid) for table, (id_column, _) in SYSV_IPC_TABLES.items()}
    if not any(tables.values()):
        return
    pid = os.fork()
    if pid == 0:
        try:
            fixloop_launcher.drop_privileges(uid, uid)
            libc = ctypes.CDLL(None, use_errno=True)
            for table, object_ids in tables.items():
                call = SYSV_IPC_TABLES[table][1]
                for object_id in object_ids:
                    if call == "semctl":
                        libc.semctl(object_id, 0, IPC_RMID)
                    else:
                        getattr(libc, call)(object_id, IPC_RMID, None)
        except BaseException:  # nothing we may do: the child exits either way
            pass
        os._exit(0)
    os.waitpid(pid, 0)


def _ipc_ids(table: str, id_column: str, uid: int) -> list[int]:
    """The ids of the objects `uid` owns in the /proc/sysvipc `table` (none when it is absent)."""
    try:
        with open(f"/proc/sysvipc/{table}") as handle:
            header, *rows = handle.read().splitlines()
    except (OSError, ValueError):
        return []
    columns = header.split()
    owned = (dict(zip(columns, row.split(), strict=False)) for row in rows)
    return [int(row[id_column]) for row in owned if row.get("uid") == str(uid) and id_column in row]


def _memoize_statement_ranges() -> None:
    """Make pytest find the statement around a traceback line without re-reading the file.

    For every traceback entry it reports, pytest parses the entry's whole file and walks
    the tree for the statements' first lines (`getstatementrange_ast`,
    `get_statement_startend2`): for a few failures that is most of a small run. Here the
    tree is parsed once per source text and the line list computed once per tree; the
    results are the same, as the fidelity tests check against a plain pytest run.
    """
    trees: dict[str, ast.AST] = {}
    starts: dict[int, tuple[ast.AST, list[int]]] = {}
    statement_range = _pytest._code.code.getstatementrange_ast

    def cached_statement_range(lineno: int, source: Any, assertion: bool = False, astnode: Any = None) -> Any:
        if astnode is None:
            content = str(source)
            if content not in trees:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    trees[content] = ast.parse(content, "source", "exec")
            astnode = trees[content]
        return statement_range(lineno, source, assertion, astnode)

    def cached_startend(lineno: int, node: ast.AST) -> tuple[int, int | None]:
        entry = starts.get(id(node))
        if entry is None or entry[0] is not node:
            entry = starts[id(node)] = (node, _statement_starts(node))
        values = entry[1]
        index = bisect.bisect_right(values, lineno)
        return values[index - 1], values[index] if index < len(values) else None

    _pytest._code.code.getstatementrange_ast = cached_statement_range  # type: ignore[assignment]
    _pytest._code.source.get_statement_startend2 = cached_startend


def _statement_starts(node: ast.AST) -> list[int]:
    """pytest's `get_statement_startend2` line list: where each statement (or its
    decorators, `else` or `finally` part) starts, 0-based, sorted."""
    values: list[int] = []
    for x in ast.walk(node):
        if isinstance(x, ast.stmt | ast.ExceptHandler):
            if isinstance(x, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
                values.extend(decorator.lineno - 1 for decorator in x.decorator_list)
            values.append(x.lineno - 1)
            for name in ("finalbody", "orelse"):
                body = getattr(x, name, None)
                if body:
                    values.append(body[0].lineno - 2)
    values.sort()
    return values


class Worker:
    """Serves requests one at a time; see the module docstring."""

    def __init__(self, scratch: str, uid: int | None, keep_in_tmp: list[str] | None) -> None:
        self.scratch = scratch
        self.uid = uid
        self.keep_in_tmp = keep_in_tmp
        self.code = fixloop_code.CodeCache()
        self.killer = StrayKiller(uid) if uid is not None else None
        self._pytest_warm = False

    def serve(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run one request to the end and return the answer."""
        started = time.monotonic()
        deadline = started + request["timeout_s"]
        self.code.refresh(request["workspace"])
        answer = self._fork(request, "fast", deadline)
        if answer["exit_code"] == FALLBACK_EXIT and not answer["timed_out"]:
            if not self._pytest_warm:
                _warm_up("pytest")
                gc.freeze()
                self._pytest_warm = True
            answer = self._fork(request, "pytest", deadline)
        answer["duration_s"] = time.monotonic() - started
        return answer

    def recycle(self) -> dict[str, Any]:
        """Leave nothing of the last episode for the next one, and say so.

        The host has emptied the episode's directory. Every run ends with the children's
        uid's processes killed and (in a sandbox with its own /tmp) /tmp emptied, and
        nothing runs between runs; here the SysV IPC objects the uid made are removed, the
        scratch directory (where test code may write beside its runs' temporary
        directories) is emptied, and the code known by path is forgotten. What test code
        could reach besides (its uid's POSIX message queues) the launcher's limits forbid.
        """
        if self.uid is not None:
            _remove_ipc_objects(self.uid)
        _remove_entries(self.scratch, keep=[])
        self.code.forget_paths()
        return {"recycled": True}

    def _fork(self, request: dict[str, Any], runner: str, deadline: float) -> dict[str, Any]:
        run_tmp = tempfile.mkdtemp(prefix="tmp-", dir=self.scratch)
        if self.uid is not None:
            os.chown(run_tmp, self.uid, self.uid)
        output_read, output_write = os.pipe()
        report_read, report_write = os.pipe()
        setup_read, setup_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            _run_child(request, runner, output_write, report_write, setup_write, run_tmp, self.uid, self.code)
        os.close(output_write)
        os.close(report_write)
        os.close(setup_write)
        output = fixloop_output.HeadTailBuffer(request["max_output_bytes"])
        report = bytearray()
        timed_out = _supervise(pid, {output_read: output.feed, report_read: _bounded(report)}, deadline)
        os.close(output_read)
        os.close(report_read)
        _, status = os.waitpid(pid, 0)
        os.set_blocking(setup_read, False)
        setup_done = False
        with contextlib.suppress(BlockingIOError):
            setup_done = os.read(setup_read, 1) == SETUP_DONE
        os.close(setup_read)
        if self.killer is not None:
            self.killer.kill_all()
        if self.keep_in_tmp is not None:
            _clean_tmp(self.keep_in_tmp)
        exit_code = os.waitstatus_to_exitcode(status)
        return {
            "exit_code": 128 - exit_code if exit_code < 0 else exit_code,
            "timed_out": timed_out,
            "output": output.text(),
            "output_truncated": output.truncated,
            "report": report.decode(errors="replace"),
            "runner": runner,
            "setup_failed": not setup_done,
        }


def _bounded(buffer: bytearray) -> Callable[[bytes], None]:
    """A feed that appends to `buffer` up to `MAX_REPORT_BYTES` and drops the rest."""

    def feed(chunk: bytes) -> None:
        buffer.extend(chunk[: MAX_REPORT_BYTES - len(buffer)])

    return feed


def _supervise(pid: int, pipes: dict[int, Callable[[bytes], None]], deadline: float) -> bool:
    """Feed what the child writes on `pipes` until it exits or the deadline, then kill its group.

    Returns whether the deadline passed. The child stays a zombie (not reaped) until the
    caller waits for it, so its process group id cannot be reused before the kill.
    """
    exit_fd = os.pidfd_open(pid)
    timed_out = False
    with selectors.DefaultSelector() as selector:
        for fd in pipes:
            selector.register(fd, selectors.EVENT_READ)
        selector.register(exit_fd, selectors.EVENT_READ)
        while os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                timed_out = True
                break
            _pump(selector, pipes, remaining)
        for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                target()
        selector.unregister(exit_fd)
        drain_until = time.monotonic() + KILL_GRACE_S
        while selector.get_map() and (left := drain_until - time.monotonic()) > 0:
            _pump(selector, pipes, left)
    os.close(exit_fd)
    return timed_out


def _pump(selector: selectors.BaseSelector, pipes: dict[int, Callable[[bytes], None]], wait: float) -> None:
    """Wait up to `wait` seconds and feed what the pipes have; unregister each at end of file."""
    for key, _ in selector.select(wait):
        if key.fd not in pipes:
            continue
        chunk = os.read(key.fd, 1 << 16)
        if chunk:
            pipes[key.fd](chunk)
        else:
            selector.unregister(key.fd)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="fixloop_worker")
    parser.add_argument("--uid", type=int, help="children drop to this uid (and gid)")
    parser.add_argument("--scratch", required=True, help="a private directory for runs' temporary files")
    parser.add_argument(
        "--clean-tmp",
        action="append",
        metavar="KEEP",
        help="after each run, empty /tmp but for the scratch and these paths (bound host paths)",
    )
    args = parser.parse_args(argv)
    # Answers go to a private copy of stdout; fd 1 itself is what children inherit as
    # their output, and the worker's own prints go nowhere.
    answers = os.fdopen(os.dup(1), "w")
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.close(null)
    os.makedirs(args.scratch, exist_ok=True)
    _memoize_statement_ranges()
    if args.uid is not None:
        os.chown(args.scratch, args.uid, args.uid)
    _warm_up("fast")
    gc.collect()
    gc.freeze()
    keep = [args.scratch, *args.clean_tmp] if args.clean_tmp else None
    worker = Worker(args.scratch, args.uid, keep)
    answers.write(json.dumps({"ready": True, "pytest": pytest.__version__}) + "\n")
    answers.flush()
    for line in sys.stdin:
        message = json.loads(line)
        answer = worker.recycle() if message.get("recycle") is True else worker.serve(message)
        answers.write(json.dumps(answer) + "\n")
        answers.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
