"""Benchmark: what the OpenEnv protocol costs a step, through `fixloop serve`'s `/ws`.

Runs the same episodes two ways, at 1, 8 and 32 concurrent sessions:

  (a) in-process — `DebugEnv.step` called directly, one thread and one sandbox per session:
                   the baseline;
  (b) served     — a `fixloop serve` subprocess on 127.0.0.1, one `/ws` socket per session,
                   driven by asyncio clients in this process.

Each session resets a builtin task, then takes `--rounds` rounds of `view_code` (a step
that costs the environment almost nothing, so its latency is mostly protocol) and
`run_tests` (a warm worker's test run). It prints steps per second, p50/p95 latency per
action type, and the protocol's overhead: served p50 minus in-process p50 of a step, as a
share of a warm in-process `run_tests` step (goal: at most 10 %). Each figure is the median
of `--repeats` runs, with the min-max spread in brackets.

    python benchmarks/bench_serve.py [--rounds 5] [--repeats 3] [--sessions 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import defaultdict
from pathlib import Path

from websockets.asyncio.client import connect

from fixloop.env.debug_env import DebugEnv
from fixloop.sandbox.factory import make_sandbox
from fixloop.tasks.loader import load_suite

TASK = "batching-partial-default"
ACTIONS = ({"action_type": "view_code"}, {"action_type": "run_tests"})

Latencies = dict[str, list[float]]


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def in_process(sessions: int, rounds: int, sandbox_kind: str) -> tuple[float, Latencies]:
    """Wall seconds and per-action latencies of `sessions` threads stepping DebugEnvs."""
    task = next(t for t in load_suite("builtin") if t.id == TASK)
    latencies: Latencies = defaultdict(list)
    lock = threading.Lock()
    sandboxes = [make_sandbox(sandbox_kind) for _ in range(sessions)]  # type: ignore[arg-type]
    barrier = threading.Barrier(sessions + 1)

    def session(index: int) -> None:
        env = DebugEnv(sandboxes[index])
        env.reset(task)
        barrier.wait()
        for _ in range(rounds):
            for action in ACTIONS:
                started = time.perf_counter()
                env.step(action)
                with lock:
                    latencies[action["action_type"]].append(time.perf_counter() - started)
        env.close()

    threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for sandbox in sandboxes:
        sandbox.close()
    return elapsed, latencies


async def served(url: str, sessions: int, rounds: int) -> tuple[float, Latencies]:
    """Wall seconds and per-action latencies of `sessions` sockets stepping through the server."""
    latencies: Latencies = defaultdict(list)
    ready = asyncio.Event()
    waiting = 0

    async def session() -> None:
        nonlocal waiting
        async with connect(url, max_size=None) as ws:
            await ws.send(json.dumps({"type": "reset", "data": {"task_id": TASK}}))
            json.loads(await ws.recv())
            waiting += 1
            if waiting == sessions:
                ready.set()
            await ready.wait()
            for _ in range(rounds):
                for action in ACTIONS:
                    started = time.perf_counter()
                    await ws.send(json.dumps({"type": "step", "data": action}))
                    reply = json.loads(await ws.recv())
                    assert reply["type"] == "observation", reply
                    latencies[action["action_type"]].append(time.perf_counter() - started)
            await ws.send(json.dumps({"type": "close"}))

    tasks = [asyncio.create_task(session()) for _ in range(sessions)]
    await ready.wait()
    started = time.perf_counter()
    await asyncio.gather(*tasks)
    return time.perf_counter() - started, latencies


def start_server(db: Path, sandbox_kind: str, max_sessions: int) -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    fixloop = str(Path(sys.executable).with_name("fixloop"))
    command = [fixloop, "serve", "--port", str(port), "--sandbox", sandbox_kind, "--db", f"sqlite:///{db}"]
    process = subprocess.Popen([*command, "--max-sessions", str(max_sessions)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
            return process, f"ws://127.0.0.1:{port}/ws"
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("fixloop serve did not start")


def spread(values: list[float], fmt: str) -> str:
    return f"{format(statistics.median(values), fmt)} [{format(min(values), fmt)}-{format(max(values), fmt)}]"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sessions", default="1,8,32")
    parser.add_argument("--sandbox", default="auto")
    args = parser.parse_args()
    counts = [int(n) for n in args.sessions.split(",")]
    print(f"fixloop serve benchmark: task {TASK}, {args.rounds} rounds of view_code + run_tests per session, "
          f"{args.repeats} repeats, sandbox {args.sandbox}, {os.cpu_count()} cores")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        process, url = start_server(Path(scratch) / "bench.db", args.sandbox, max(counts))
        try:
            for sessions in counts:
                rows: dict[str, list[float]] = defaultdict(list)
                for _ in range(args.repeats):
                    base_s, base = in_process(sessions, args.rounds, args.sandbox)
                    served_s, over = asyncio.run(served(url, sessions, args.rounds))
                    steps = sessions * args.rounds * len(ACTIONS)
                    rows["inproc steps/s"].append(steps / base_s)
                    rows["served steps/s"].append(steps / served_s)
                    for kind in ("view_code", "run_tests"):
                        for name, samples in (("inproc", base[kind]), ("served", over[kind])):
                            rows[f"{name} {kind} p50 ms"].append(1000 * percentile(samples, 0.5))
                            rows[f"{name} {kind} p95 ms"].append(1000 * percentile(samples, 0.95))
                    warm = percentile(base["run_tests"], 0.5)
                    for kind in ("view_code", "run_tests"):
                        added = percentile(over[kind], 0.5) - percentile(base[kind], 0.5)
                        rows[f"overhead {kind} / warm run_tests %"].append(100 * added / warm)
                print(f"\n{sessions} concurrent session(s):")
                for name, values in rows.items():
                    print(f"  {name:<40} {spread(values, '.1f')}")
                ratio = statistics.median(rows["served steps/s"]) / statistics.median(rows["inproc steps/s"])
                print(f"  {'served / in-process throughput':<40} {ratio:.2f}")
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=60)


if __name__ == "__main__":
    main()
