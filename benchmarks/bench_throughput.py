"""Benchmark: oracle episodes per second on one machine, against an earlier commit (issue 19).

Plays the oracle over the builtin suite `--passes` times, `--workers` episodes at once,
through the runner's local executor (`LocalExecutor`: reset, the fix, a test run, the grade,
per episode), with the `--sandbox` sandbox. Each measurement runs in a fresh subprocess,
so both sides start alike: this tree, and with `--today-rev REV` the `src/` of commit REV
(taken with `git archive` into a temporary directory). Measurements alternate, so a drift
of the machine's speed hits both. Prints episodes per second per run, their median and
min-max, the ratio this ÷ REV per run, and whether the two sides gave every episode the
same verdict (outcome and score).

    python -m benchmarks.bench_throughput [--today-rev REV] [--runs 3] [--passes 3]
                                          [--workers 2] [--sandbox bwrap]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

EPISODES_SCRIPT = """
import json, sys, time
from fixloop.agents.oracle import OracleAgent
from fixloop.rollout.runner import EpisodeJob, LocalExecutor
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.loader import load_suite

passes, workers, kind = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
tasks = load_suite("builtin")
jobs = [EpisodeJob(task, index) for index in range(passes) for task in tasks]
verdicts = {}

def collect(job, trajectory):
    verdicts[f"{job.task.id}#{job.episode_index}"] = [trajectory.outcome, trajectory.score]

executor = LocalExecutor(lambda: make_sandbox(kind), concurrency=workers)
started = time.perf_counter()
executor.run(jobs, lambda job: OracleAgent(job.task), collect)
seconds = time.perf_counter() - started
print(json.dumps({"episodes": len(verdicts), "seconds": seconds, "verdicts": verdicts}))
"""


def measure(src: Path, passes: int, workers: int, sandbox: str) -> dict:
    """One measurement with the fixloop whose package sources are under `src`."""
    environment = {**os.environ, "PYTHONPATH": str(src)}
    output = subprocess.run(
        [sys.executable, "-c", EPISODES_SCRIPT, str(passes), str(workers), sandbox],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def archive(rev: str, directory: Path) -> Path:
    """The `src/` tree of commit `rev`, extracted under `directory`; returns that `src`."""
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=tar.stdout, check=True)
    return directory / "src"


def spread(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} [{min(values):.2f}-{max(values):.2f}]"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--today-rev", default=None, help="Also measure the fixloop of this commit.")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--passes", type=int, default=3, help="Passes over the builtin suite per run.")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--sandbox", default="bwrap")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        sides = {"this": ROOT / "src"}
        if options.today_rev:
            sides[options.today_rev] = archive(options.today_rev, Path(scratch))
        rates: dict[str, list[float]] = {side: [] for side in sides}
        verdicts: dict[str, dict] = {}
        for run in range(options.runs):
            for side, src in sides.items():
                result = measure(src, options.passes, options.workers, options.sandbox)
                rate = result["episodes"] / result["seconds"]
                rates[side].append(rate)
                verdicts.setdefault(side, result["verdicts"])
                resolved = sum(outcome == "resolved" for outcome, _ in result["verdicts"].values())
                print(
                    f"run {run + 1} {side:<10} {result['episodes']} episodes in {result['seconds']:.1f} s: "
                    f"{rate:.2f} episodes/s, {resolved} resolved",
                    flush=True,
                )
    print(
        f"\noracle over the builtin suite, {options.passes} passes, {options.workers} workers, "
        f"{options.sandbox}, {options.runs} runs (median [min-max])"
    )
    for side, values in rates.items():
        print(f"{side:<10} {spread(values)} episodes/s")
    if options.today_rev:
        ratios = [new / old for new, old in zip(rates["this"], rates[options.today_rev], strict=True)]
        print(f"this ÷ {options.today_rev}: {spread(ratios)}x (per run)")
        same = verdicts["this"] == verdicts[options.today_rev]
        print(f"identical verdicts on every episode: {same}")


if __name__ == "__main__":
    main()
