"""Benchmark: where an oracle episode's time goes, phase by phase (issue 19's profile).

Runs the oracle over the builtin suite on one worker, in this process, and times each
phase of every episode: `reset` (the workspace copy and the warm worker's start, which
runs in the background), the oracle's reads and edits, its first `run_tests` (which waits
for the worker), `submit` (the grade: fresh grading copies and their test runs), `close`
(the worker's end and the workspace's removal), and the store commit. Prints the median
and total per phase over the suite, and episodes per second on one worker.

    python benchmarks/bench_episode_profile.py [--sandbox auto] [--runs 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections import defaultdict

from fixloop.agents.oracle import plan_fix
from fixloop.env.debug_env import DebugEnv
from fixloop.rollout.episode import EpisodeRecorder
from fixloop.sandbox.factory import make_sandbox
from fixloop.store import Store
from fixloop.tasks.loader import load_suite

PHASES = ("reset", "read and edit", "run_tests", "submit (grade)", "close", "store commit")


def profile(sandbox_kind: str) -> tuple[dict[str, list[float]], float, int]:
    """Seconds per phase per episode, the wall time of the whole suite, and its episode count."""
    tasks = load_suite("builtin")
    phases: dict[str, list[float]] = defaultdict(list)
    sandbox = make_sandbox(sandbox_kind)  # type: ignore[arg-type]
    with tempfile.TemporaryDirectory() as scratch, Store.open(f"sqlite:///{scratch}/profile.db") as store:
        run = store.create_run(
            "profile", agent="oracle", model="none", config={}, planned=[(t.id, 0) for t in tasks]
        )
        started = time.perf_counter()
        for task in tasks:
            env = DebugEnv(sandbox)
            clock = time.perf_counter()
            env.reset(task)
            phases["reset"].append(time.perf_counter() - clock)
            recorder = EpisodeRecorder(env, task, agent="oracle")
            spent: dict[str, float] = defaultdict(float)
            for action in plan_fix(task):
                kind = action.action_type
                phase = (
                    "submit (grade)"
                    if kind == "submit"
                    else "run_tests"
                    if kind == "run_tests"
                    else "read and edit"
                )
                clock = time.perf_counter()
                result = env.step(action)
                spent[phase] += time.perf_counter() - clock
                recorder.step(action, result, clock)
            for phase, seconds in spent.items():
                phases[phase].append(seconds)
            clock = time.perf_counter()
            env.close()
            phases["close"].append(time.perf_counter() - clock)
            trajectory = recorder.finish(env.state().grade)
            clock = time.perf_counter()
            store.add_episode(run.id, task.id, 0, trajectory)
            phases["store commit"].append(time.perf_counter() - clock)
        wall = time.perf_counter() - started
    sandbox.close()
    return phases, wall, len(tasks)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sandbox", default="auto")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    medians: dict[str, list[float]] = defaultdict(list)
    totals: dict[str, list[float]] = defaultdict(list)
    rates: list[float] = []
    for _ in range(args.runs):
        phases, wall, episodes = profile(args.sandbox)
        rates.append(episodes / wall)
        for phase in PHASES:
            medians[phase].append(1000 * statistics.median(phases[phase]))
            totals[phase].append(sum(phases[phase]) / wall)
    print(f"oracle episodes over the builtin suite, one worker, sandbox {args.sandbox}, {args.runs} runs")
    print(f"{'phase':<16} {'median ms/episode':>22} {'share of wall time':>22}")
    for phase in PHASES:
        ms, share = medians[phase], totals[phase]
        print(
            f"{phase:<16} {statistics.median(ms):>10.1f} [{min(ms):.1f}-{max(ms):.1f}]"
            f" {100 * statistics.median(share):>12.1f} % [{100 * min(share):.0f}-{100 * max(share):.0f}]"
        )
    print(f"episodes/s on one worker: {statistics.median(rates):.2f} [{min(rates):.2f}-{max(rates):.2f}]")


if __name__ == "__main__":
    main()
