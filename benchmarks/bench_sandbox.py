"""Benchmark: what a `run_tests` costs, and how many oracle episodes a second fixloop runs.

Runs, in one process and on the same builtin tasks (buggy repositories):

  (a) bare     — a fresh `python -m pytest` subprocess per run, no isolation (the baseline
                 most debugging environments use);
  (b) process  — fixloop's process sandbox (rlimits, scrubbed environment);
  (c) bwrap    — fixloop's bubblewrap sandbox (full isolation), when bubblewrap is installed.

It prints the median and p95 wall time per run for each, the ratios to the bare baseline,
and the whole-episode throughput of the oracle agent over the builtin suite in each sandbox.

    python benchmarks/bench_sandbox.py [--runs 5] [--workers 2]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fixloop.agents.oracle import OracleAgent
from fixloop.rollout.runner import run_tasks
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.loader import load_suite
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.task import Task


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bare_pytest(workspace: Path, targets: list[str]) -> None:
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets],
        cwd=workspace, capture_output=True, check=False,
    )  # fmt: skip


def time_runs(tasks: list[Task], runs: int, kind: str) -> list[float]:
    """Seconds per run_tests over every task's buggy repository, `runs` times each."""
    samples: list[float] = []
    sandbox = None if kind == "bare" else make_sandbox(kind)  # type: ignore[arg-type]
    try:
        for task in tasks:
            workspace = write_repo_tree(task.files, Path(tempfile.mkdtemp(prefix="fixloop-bench-")))
            try:
                for _ in range(runs):
                    started = time.perf_counter()
                    if sandbox is None:
                        bare_pytest(workspace, task.test_paths)
                    else:
                        sandbox.run_tests(workspace, task.test_paths)
                    samples.append(time.perf_counter() - started)
            finally:
                shutil.rmtree(workspace, ignore_errors=True)
    finally:
        if sandbox is not None:
            sandbox.close()
    return samples


def oracle_throughput(tasks: list[Task], kind: str, workers: int) -> tuple[float, int]:
    """(episodes per second, episodes resolved) for the oracle over `tasks`."""
    started = time.perf_counter()
    trajectories = run_tasks(tasks, OracleAgent, lambda: make_sandbox(kind), workers=workers)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    return len(trajectories) / elapsed, sum(t.outcome == "resolved" for t in trajectories)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per task and configuration")
    parser.add_argument("--workers", type=int, default=2, help="concurrent episodes for throughput")
    args = parser.parse_args()

    tasks = load_suite("builtin")
    kinds = ["bare", "process"] + (["bwrap"] if shutil.which("bwrap") else [])
    print(f"{len(tasks)} builtin tasks, {args.runs} runs each, python {sys.version.split()[0]}")
    print(f"{'configuration':<14}{'median ms':>12}{'p95 ms':>10}{'vs bare':>10}")
    medians: dict[str, float] = {}
    for kind in kinds:
        samples = time_runs(tasks, args.runs, kind)
        medians[kind] = statistics.median(samples)
        ratio = medians[kind] / medians["bare"]
        print(
            f"{kind:<14}{medians[kind] * 1000:>12.0f}{percentile(samples, 0.95) * 1000:>10.0f}{ratio:>9.2f}x"
        )
    print(f"\noracle episodes over the builtin suite ({args.workers} workers)")
    for kind in kinds[1:]:
        rate, resolved = oracle_throughput(tasks, kind, args.workers)
        print(f"{kind:<14}{rate:>8.2f} episodes/s   resolved {resolved}/{len(tasks)}")


if __name__ == "__main__":
    main()
