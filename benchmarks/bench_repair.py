"""Benchmark: the `repair` baseline's resolve rate on the builtin suite and on synthesized tasks.

Synthesizes `--per-seed` tasks from each seed package (`fixloop tasks synthesize`, seed
`--seed`) into a temporary directory, or loads them from `--synthesized DIR`, then runs
`RepairAgent` with the default `RepairConfig` once on every task, `--workers` episodes at
a time, and prints per suite: resolved / total, the resolve rate, wall time and episodes/s.
Add `--verbose` for one line per episode.

    python benchmarks/bench_repair.py [--per-seed 14] [--seed 1] [--workers 2]
                                      [--synthesized DIR] [--sandbox auto|bwrap|process]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fixloop.agents.repair import RepairAgent
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import run_episode
from fixloop.sandbox.base import Sandbox
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.loader import load_suite, load_tasks
from fixloop.tasks.synthesis import SynthesisConfig, seed_repos, synthesize, write_tasks
from fixloop.tasks.task import Task


def synthesized_tasks(sandbox: Sandbox, per_seed: int, seed: int, directory: Path) -> list[Task]:
    """`per_seed` tasks from each seed repository, written to `directory` and loaded back."""
    for repo in seed_repos():
        write_tasks(synthesize(repo, sandbox, SynthesisConfig(n=per_seed, seed=seed)).tasks, directory)
    return load_tasks(directory)


def run_suite(name: str, tasks: list[Task], sandbox: Sandbox, workers: int, verbose: bool) -> None:
    """Run the repair agent on every task and print the suite's line."""

    def episode(task: Task) -> Trajectory:
        return run_episode(DebugEnv(sandbox), RepairAgent(), task)

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        trajectories = list(pool.map(episode, tasks))
    seconds = time.monotonic() - started
    if verbose:
        for trajectory in trajectories:
            print(f"  {trajectory.task_id:45} {trajectory.outcome:12} {len(trajectory.steps):3} steps")
    resolved = sum(t.outcome == "resolved" for t in trajectories)
    errors = sum(t.outcome in ("agent_error", "infra_error") for t in trajectories)
    print(
        f"{name:12} resolved {resolved}/{len(tasks)} = {resolved / len(tasks):.1%}"
        f"  errors {errors}  {seconds:.0f} s  {len(tasks) / seconds:.2f} episodes/s"
    )


def main() -> None:
    formatter = argparse.RawDescriptionHelpFormatter
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=formatter)
    parser.add_argument("--per-seed", type=int, default=14, help="Tasks synthesized per seed package.")
    parser.add_argument("--seed", type=int, default=1, help="The synthesis seed.")
    parser.add_argument("--workers", type=int, default=2, help="Episodes at once.")
    parser.add_argument("--synthesized", type=Path, help="Load synthesized tasks from here instead.")
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "process"])
    parser.add_argument("--verbose", action="store_true", help="One line per episode.")
    args = parser.parse_args()

    sandbox = make_sandbox(args.sandbox)
    try:
        print(f"repair agent, default config, {sandbox.name} sandbox, {args.workers} workers")
        run_suite("builtin", load_suite("builtin"), sandbox, args.workers, args.verbose)
        with tempfile.TemporaryDirectory(prefix="fixloop-bench-repair-") as scratch:
            if args.synthesized is not None:
                tasks = load_tasks(args.synthesized)
            else:
                tasks = synthesized_tasks(sandbox, args.per_seed, args.seed, Path(scratch))
            run_suite("synthesized", tasks, sandbox, args.workers, args.verbose)
    finally:
        sandbox.close()


if __name__ == "__main__":
    main()
