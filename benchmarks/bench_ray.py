"""Benchmark: what does running episodes in Ray actors cost against the local executor?

Runs the oracle over the builtin suite through the real path of `fixloop run`
(`start_run` + `execute_run`, every episode committed to a temporary SQLite store) with
`executor="local"` (`--concurrency` episodes at once) and `executor="ray"` (a local Ray
cluster of `--concurrency` CPUs, so as many episode actors), alternating, `--runs` times
each, and prints episodes per second for both, their ratio and the overhead
(1 - ray / local; goal ≤ 15 %), with the min and max over the runs.

Before the timed runs it starts the Ray cluster and runs the suite once on Ray, timing the
actors' start (kept actors serve every later run of the process, as in `train`). It also
times the driver's store commits alone (`Store.add_episode` of finished trajectories into a
new run), the rate no cluster can exceed with one driver.

    python -m benchmarks.bench_ray [--runs 3] [--concurrency 2] [--sandbox auto|bwrap|process]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

import ray

from fixloop.rollout.ray_executor import end_kept_actors
from fixloop.rollout.run_session import RunSettings, execute_run, select_tasks, start_run
from fixloop.store import Store


def timed_run(store: Store, name: str, settings: RunSettings) -> tuple[float, int]:
    """Seconds to execute a new run of `settings`, and its resolved episodes."""
    tasks = select_tasks(settings)
    info = start_run(store, name, settings, tasks)
    started = time.perf_counter()
    progress = execute_run(store, info, settings, tasks)
    return time.perf_counter() - started, progress.resolved


def commit_rate(store: Store, source: str) -> float:
    """Commits per second of `source`'s trajectories into a new run of the same plan."""
    stored = store.keyed_trajectories(source)
    info = store.create_run(
        f"{source}-copy", agent="oracle", model="oracle", config={}, planned=list(stored), simulated=False
    )
    started = time.perf_counter()
    for (task_id, index), trajectory in stored.items():
        store.add_episode(info, task_id, index, trajectory)
    return len(stored) / (time.perf_counter() - started)


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values)}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    started = time.perf_counter()
    ray.init(address="local", num_cpus=args.concurrency, include_dashboard=False, log_to_driver=False)
    cluster_start = time.perf_counter() - started
    common = {"agent": "oracle", "suite": "builtin", "sandbox": args.sandbox, "concurrency": args.concurrency}
    local = RunSettings(executor="local", **common)  # type: ignore[arg-type]
    remote = RunSettings(executor="ray", **common)  # type: ignore[arg-type]
    episodes = len(select_tasks(local))
    rates: dict[str, list[float]] = {"local": [], "ray": []}
    with tempfile.TemporaryDirectory() as tmp, Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}") as store:
        first_ray_s, _ = timed_run(store, "ray-first", remote)
        for index in range(args.runs):
            for name, settings in (("local", local), ("ray", remote)):
                seconds, resolved = timed_run(store, f"{name}-{index}", settings)
                if resolved != episodes:
                    raise SystemExit(f"{name} run {index} resolved {resolved} of {episodes} episodes")
                rates[name].append(episodes / seconds)
        commits = [commit_rate(store, f"local-{index}") for index in range(args.runs)]
    end_kept_actors()
    ray.shutdown()
    ratios = [r / loc for r, loc in zip(rates["ray"], rates["local"], strict=True)]
    result = {
        "episodes": episodes,
        "concurrency": args.concurrency,
        "ray_cluster_start_s": cluster_start,
        "first_ray_run_s": first_ray_s,
        "local_episodes_per_s": spread(rates["local"]),
        "ray_episodes_per_s": spread(rates["ray"]),
        "ray_over_local": spread(ratios),
        "overhead": spread([1 - ratio for ratio in ratios]),
        "store_commits_per_s": spread(commits),
    }
    print(json.dumps(result, indent=2))
    overhead = result["overhead"]
    local_rate, ray_rate = spread(rates["local"])["median"], spread(rates["ray"])["median"]
    print(
        f"\n{episodes} oracle episodes, {args.concurrency} at once: local {local_rate:.2f}/s, "
        f"ray {ray_rate:.2f}/s; overhead {overhead['median']:.1%} "
        f"[{overhead['min']:.1%} to {overhead['max']:.1%}] (goal <= 15%); "
        f"the driver commits {spread(commits)['median']:.0f} episodes/s"
    )


if __name__ == "__main__":
    main()
