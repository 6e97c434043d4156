"""Benchmark: validated synthesized tasks per minute, coverage-guided against the whole-suite path.

Generates the ledger library (`benchmarks/synthetic_library.py`: `--modules` modules, about
40 tests each) in a temporary directory, then synthesizes `--n` tasks from it `--runs`
times with each strategy, interleaved so a drift of the machine's speed hits both:

- `coverage` (the default strategy): the suite runs once with coverage, uncovered mutants
  are skipped, each mutant first runs only the tests of its line;
- `full`: every mutant runs the whole suite (`SynthesisConfig.strategy = "full"`);
- with `--today-rev REV`, also the synthesizer of commit REV (say, the one before coverage
  guidance), taken with `git archive` into a temporary directory and run in a subprocess.

`--weak` of each module's nine functions get a single test; a larger value makes a sparser
suite that misses more bugs, where skipping and screening save the most. Each run uses
seed `--seed + run`. Prints per strategy the validated tasks per minute
(median, min-max over runs), seconds, candidates tried, rejected and skipped, the ratio of
coverage to each other path (per run, then median and min-max), and whether the tasks both
strategies made from the same mutant are identical.

    python -m benchmarks.bench_synthesis [--n 30] [--runs 3] [--modules 8] [--weak 3] [--seed 1]
                                         [--workers 2] [--repeats 3] [--today-rev REV]
                                         [--sandbox auto|bwrap|process]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.synthetic_library import write_library
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.synthesis import SynthesisConfig, SynthesisResult, synthesize
from fixloop.tasks.task import Task

ROOT = Path(__file__).resolve().parent.parent

TODAY_SCRIPT = """
import json, sys, time
from pathlib import Path
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.synthesis import SynthesisConfig, synthesize
library, n, seed, workers, repeats, kind = sys.argv[1:]
box = make_sandbox(kind)
started = time.perf_counter()
result = synthesize(Path(library), box, SynthesisConfig(n=int(n), seed=int(seed), workers=int(workers),
                    repeats=int(repeats)))
seconds = time.perf_counter() - started
box.close()
print(json.dumps({"tasks": len(result.tasks), "seconds": seconds, "tried": result.tried,
                  "rejected": sum(result.rejected.values())}))
"""


@dataclass
class Measure:
    """One synthesis: validated tasks, wall seconds, candidates tried, rejected and skipped."""

    tasks: int
    seconds: float
    tried: int
    rejected: int
    skipped: int
    made: list[Task]

    @property
    def per_minute(self) -> float:
        return self.tasks / self.seconds * 60


def measure(library: Path, config: SynthesisConfig, sandbox_kind: str) -> tuple[Measure, SynthesisResult]:
    sandbox = make_sandbox(sandbox_kind)  # type: ignore[arg-type]
    try:
        started = time.perf_counter()
        result = synthesize(library, sandbox, config)
        seconds = time.perf_counter() - started
    finally:
        sandbox.close()
    rejected, skipped = sum(result.rejected.values()), sum(result.skipped.values())
    return Measure(len(result.tasks), seconds, result.tried, rejected, skipped, result.tasks), result


def measure_today(tree: Path, library: Path, config: SynthesisConfig, sandbox_kind: str) -> Measure:
    """The old synthesizer (its source tree at `tree`), in a subprocess."""
    arguments = [str(library), str(config.n), str(config.seed), str(config.workers), str(config.repeats)]
    environment = {**os.environ, "PYTHONPATH": str(tree / "src")}
    output = subprocess.run(
        [sys.executable, "-c", TODAY_SCRIPT, *arguments, sandbox_kind],
        env=environment,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    data = json.loads(output.strip().splitlines()[-1])
    return Measure(data["tasks"], data["seconds"], data["tried"], data["rejected"], 0, [])


def archive(rev: str, directory: Path) -> Path:
    """The `src/` tree of commit `rev`, extracted under `directory` (created)."""
    directory.mkdir(parents=True)
    tar = subprocess.run(["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True)
    subprocess.run(["tar", "-x", "-C", str(directory)], input=tar.stdout, check=True)
    return directory


def spread(values: list[float], digits: int = 1) -> str:
    return f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--modules", type=int, default=8)
    parser.add_argument("--weak", type=int, default=3, help="Functions per module with a single test.")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--today-rev", default=None, help="Also measure the synthesizer of this commit.")
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "process"])
    options = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-synthesis-") as scratch:
        library = write_library(Path(scratch) / "ledgerlib-repo", modules=options.modules, weak=options.weak)
        tree = archive(options.today_rev, Path(scratch) / "today") if options.today_rev else None
        paths = ["coverage", "full", *(["today"] if tree else [])]
        measures: dict[str, list[Measure]] = {path: [] for path in paths}
        identical = common = 0
        tests = 0
        for run in range(options.runs):
            seed = options.seed + run
            results: dict[str, SynthesisResult] = {}
            for path in paths:
                config = SynthesisConfig(
                    n=options.n,
                    seed=seed,
                    workers=options.workers,
                    repeats=options.repeats,
                    strategy="full" if path == "full" else "coverage",
                )
                if path == "today" and tree is not None:
                    measured = measure_today(tree, library, config, options.sandbox)
                else:
                    measured, results[path] = measure(library, config, options.sandbox)
                    tests = results[path].tests
                measures[path].append(measured)
                print(
                    f"run {run + 1} seed {seed} {path:8} {measured.tasks:3} tasks"
                    f" in {measured.seconds:6.1f} s = {measured.per_minute:5.1f}/min"
                    f"  tried {measured.tried:3}"
                    f"  rejected {measured.rejected:3}  skipped {measured.skipped:3}",
                    flush=True,
                )
            by_id = {task.id: task for task in results["full"].tasks}
            shared = [task for task in results["coverage"].tasks if task.id in by_id]
            common += len(shared)
            identical += sum(task == by_id[task.id] for task in shared)

    print(
        f"\nlibrary: {options.modules} modules ({options.weak} functions each with one test), {tests} tests; "
        f"n={options.n}, workers={options.workers}, "
        f"repeats={options.repeats}, {options.runs} runs"
    )
    print(f"{'path':10} {'tasks/min':>22} {'seconds':>22} {'tried':>6} {'rejected':>8} {'skipped':>7}")
    for path, runs in measures.items():
        print(
            f"{path:10} {spread([m.per_minute for m in runs]):>22} {spread([m.seconds for m in runs]):>22}"
            f" {statistics.median(m.tried for m in runs):6.0f}"
            f" {statistics.median(m.rejected for m in runs):8.0f}"
            f" {statistics.median(m.skipped for m in runs):7.0f}"
        )
    for other in paths[1:]:
        ratios = [
            c.per_minute / o.per_minute for c, o in zip(measures["coverage"], measures[other], strict=True)
        ]
        print(f"coverage / {other}: {spread(ratios, 2)} times")
    print(f"tasks both strategies made from the same mutant: {common}, identical: {identical}")


if __name__ == "__main__":
    main()
