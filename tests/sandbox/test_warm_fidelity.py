"""A warm worker's runs give plain pytest's verdicts on every builtin and synthesized task.

Each task's buggy and fixed repositories are run by the sandbox inside an episode (a warm
worker: the fast path, or real pytest in a forked child) and per run (a fresh
`python -m pytest` process, the plain run), and every test's outcome, failure message and
traceback frames must agree, as must the collection errors, the exit status and the text
pytest prints (but for its timings).
"""

from __future__ import annotations

import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from fixloop.env.test_output import stable_test_output
from fixloop.sandbox import ProcessSandbox, SandboxLimits, TestRunResult
from fixloop.sandbox.pytest_sandbox import PytestSandbox
from fixloop.tasks.loader import load_suite
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.synthesis import SynthesisConfig, seed_repos, synthesize
from fixloop.tasks.task import Task

_ADDRESS = re.compile(r"0x[0-9a-f]{6,}")
"""Object addresses differ between any two runs, plain or warm."""

_TMP_PATH = re.compile(r"/\S*/pytest-of-[^/]+/pytest-\d+/")
"""`tmp_path` directories differ too (a warm run's lives in its own TMPDIR)."""


def _stable(text: str) -> str:
    return _TMP_PATH.sub("<tmp>/", _ADDRESS.sub("0x…", text))


Verdicts = tuple[int | None, list[tuple[str, str, str, list[tuple[str, int]]]], list[str], str]


def _verdicts(run: TestRunResult) -> Verdicts:
    tests = [
        (t.node_id, str(t.outcome), _stable(t.message), [(f.path, f.line) for f in t.frames])
        for t in run.tests
    ]
    errors = sorted(error.node_id for error in run.collection_errors)
    return run.exit_code, sorted(tests), errors, _stable(stable_test_output(run.output))


def _check_all(sandbox: PytestSandbox, tasks: list[Task], directory: Path) -> list[str]:
    """Run every task's buggy and fixed repository both ways; the runners the warm runs used.

    All repositories sit in one episode, so one warm worker serves every warm run (each
    in a fresh child, as within any episode); the plain runs go two at a time.
    """
    jobs = []
    for task in tasks:
        for side, files in (("buggy", task.files), ("fixed", task.fixed_files)):
            workspace = write_repo_tree(files, directory / task.id / side)
            jobs.append(
                (f"{task.id} ({side})", workspace, task.test_paths, SandboxLimits(timeout_s=task.timeout_s))
            )
    with ThreadPoolExecutor(max_workers=2) as pool:
        plain = list(pool.map(lambda job: sandbox.run_tests(job[1], job[2], limits=job[3]), jobs))
    sandbox.start_episode(directory)
    try:
        warm = [
            sandbox.run_tests(workspace, targets, limits=limits) for _, workspace, targets, limits in jobs
        ]
    finally:
        sandbox.end_episode(directory)
    for (name, *_), warm_run, plain_run in zip(jobs, warm, plain, strict=True):
        assert warm_run.runner != "per-run", f"{name} was not served warm"
        assert _verdicts(warm_run) == _verdicts(plain_run), (
            f"{name}:\n{warm_run.output}\n---\n{plain_run.output}"
        )
    return [run.runner for run in warm]


@pytest.fixture(scope="module")
def best_sandbox(request: pytest.FixtureRequest) -> PytestSandbox:
    """The bwrap sandbox where bubblewrap is installed (as in CI), else the process sandbox."""
    return request.getfixturevalue("bwrap_sandbox" if shutil.which("bwrap") else "process_sandbox")


@pytest.fixture(scope="module")
def synthesized() -> list[Task]:
    with ProcessSandbox(warm=False) as sandbox:
        return [
            task
            for repo in seed_repos()
            for task in synthesize(repo, sandbox, SynthesisConfig(n=3, seed=0, repeats=1)).tasks
        ]


def test_every_builtin_task_gets_plain_pytests_verdicts_warm(
    best_sandbox: PytestSandbox, tmp_path: Path
) -> None:
    tasks = load_suite("builtin")

    runners = _check_all(best_sandbox, tasks, tmp_path)

    assert len(runners) == 2 * len(tasks)
    assert runners.count("warm-fast") >= 0.9 * len(runners), runners


def test_every_synthesized_task_gets_plain_pytests_verdicts_warm(
    best_sandbox: PytestSandbox, synthesized: list[Task], tmp_path: Path
) -> None:
    assert len(synthesized) == 3 * len(seed_repos())

    runners = _check_all(best_sandbox, synthesized, tmp_path)

    assert runners.count("warm-fast") >= 0.9 * len(runners), runners
