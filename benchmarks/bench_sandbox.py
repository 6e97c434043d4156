"""Benchmark: what a `run_tests` costs, and how many oracle episodes a second fixloop runs.

Runs, in one process and on the same builtin tasks (buggy repositories):

  (a) bare      — a fresh `python -m pytest` subprocess per run, no isolation: what most
                  debugging environments do, with whatever pytest plugins the machine has
                  installed loading as usual; the baseline of the ratios;
  (a') lean     — the same with plugin autoloading off (PYTEST_DISABLE_PLUGIN_AUTOLOAD=1),
                  the fairest baseline where many plugins are installed;
  (b) per-run   — fixloop's sandbox starting a fresh pytest per run (the fallback when a
                  warm worker cannot start), for each sandbox kind;
  (c) warm      — fixloop's sandbox inside an episode: a warm worker forks a child per run,
                  for each sandbox kind.

It prints the median and p95 wall time per run, the ratios (a)/(c), (a')/(c) and (b)/(c), how many
warm runs took the fast path, and the whole-episode throughput of the oracle agent over the
builtin suite with and without warm workers.

    python benchmarks/bench_sandbox.py [--runs 5] [--workers 2] [--tasks 42]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
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


def bare_pytest(workspace: Path, targets: list[str], *, plugins: bool) -> None:
    environment = dict(os.environ)
    if not plugins:
        environment["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *targets],
        cwd=workspace, env=environment, capture_output=True, check=False,
    )  # fmt: skip


def time_runs(tasks: list[Task], runs: int, kind: str, mode: str, runners: Counter[str]) -> list[float]:
    """Seconds per run_tests over every task's buggy repository, `runs` times each.

    In "warm" mode each task is one episode, and its first run (which waits for the worker
    to start, as an episode's first run does) is not counted: the worker starts while the
    agent reads the code.
    """
    samples: list[float] = []
    bare = mode in ("bare", "lean")
    sandbox = None if bare else make_sandbox(kind, warm=mode == "warm")  # type: ignore[arg-type]
    try:
        for task in tasks:
            episode = Path(tempfile.mkdtemp(prefix="fixloop-bench-"))
            workspace = write_repo_tree(task.files, episode / "repo")
            if sandbox is not None and mode == "warm":
                sandbox.start_episode(episode)
                sandbox.run_tests(workspace, task.test_paths)
            try:
                for _ in range(runs):
                    started = time.perf_counter()
                    if sandbox is None:
                        bare_pytest(workspace, task.test_paths, plugins=mode == "bare")
                    else:
                        runners[sandbox.run_tests(workspace, task.test_paths).runner] += 1
                    samples.append(time.perf_counter() - started)
            finally:
                if sandbox is not None:
                    sandbox.end_episode(episode)
                shutil.rmtree(episode, ignore_errors=True)
    finally:
        if sandbox is not None:
            sandbox.close()
    return samples


def oracle_throughput(tasks: list[Task], kind: str, warm: bool, workers: int) -> tuple[float, int]:
    """(episodes per second, episodes resolved) for the oracle over `tasks`."""
    started = time.perf_counter()
    trajectories = run_tasks(
        tasks,
        OracleAgent,
        lambda: make_sandbox(kind, warm=warm),  # type: ignore[arg-type]
        workers=workers,
    )
    elapsed = time.perf_counter() - started
    return len(trajectories) / elapsed, sum(t.outcome == "resolved" for t in trajectories)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5, help="runs per task and configuration")
    parser.add_argument("--workers", type=int, default=2, help="concurrent episodes for throughput")
    parser.add_argument("--tasks", type=int, default=None, help="only the first N builtin tasks")
    args = parser.parse_args()

    tasks = load_suite("builtin")[: args.tasks]
    kinds = (["bwrap"] if shutil.which("bwrap") else []) + ["process"]
    print(f"{len(tasks)} builtin tasks, {args.runs} runs each, python {sys.version.split()[0]}")
    columns = ("median ms", 11), ("p95 ms", 9), ("(a)/this", 10), ("(a')/this", 11), ("per-run/this", 14)
    print("configuration".ljust(18) + "".join(name.rjust(width) for name, width in columns))
    runners: Counter[str] = Counter()

    baselines = {mode: time_runs(tasks, args.runs, "", mode, runners) for mode in ("bare", "lean")}
    medians = {mode: statistics.median(samples) for mode, samples in baselines.items()}

    def report(label: str, key: str, samples: list[float], per_run: str | None) -> None:
        median = medians[key] = statistics.median(samples)
        versus_per_run = f"{medians[per_run] / median:>13.1f}x" if per_run else ""
        print(
            f"{label:<18}{median * 1000:>11.1f}{percentile(samples, 0.95) * 1000:>9.1f}"
            f"{medians['bare'] / median:>9.1f}x{medians['lean'] / median:>10.1f}x{versus_per_run}"
        )

    report("(a) bare pytest", "bare", baselines["bare"], None)
    report("(a') lean pytest", "lean", baselines["lean"], None)
    for kind in kinds:
        for mode in ("per-run", "warm"):
            samples = time_runs(tasks, args.runs, kind, mode, runners)
            report(f"{kind} {mode}", f"{kind}-{mode}", samples, f"{kind}-per-run")
    warm_runs = runners["warm-fast"] + runners["warm-pytest"]
    print(f"\nwarm runs on the fast path: {runners['warm-fast']}/{warm_runs}")
    print(f"\noracle episodes over {len(tasks)} builtin tasks ({args.workers} workers)")
    for kind in kinds:
        for warm in (False, True):
            rate, resolved = oracle_throughput(tasks, kind, warm, args.workers)
            label = f"{kind} {'warm' if warm else 'per-run'}"
            print(f"{label:<18}{rate:>8.2f} episodes/s   resolved {resolved}/{len(tasks)}")


if __name__ == "__main__":
    main()
