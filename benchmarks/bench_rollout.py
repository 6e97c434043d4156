"""Benchmark: does `fixloop run --agent llm` keep up with its model and its sandbox?

For each concurrency it runs the same short episode N times on one builtin task and
measures, in the same process:

  achieved      — the real path of `fixloop run`: `RunSettings(agent="llm", ...)`,
                  `start_run` + `execute_run` against a local OpenAI-compatible HTTP server
                  (`FakeOpenAIServer`, in a process of its own, as a real endpoint is)
                  answering after a fixed latency, every episode
                  committed to a temporary SQLite store;
  model bound   — concurrency / (model calls per episode x latency): the rate if only the
                  model's latency counted (calls per episode as the server saw them);
  sandbox bound — the same episodes on `LocalExecutor` with the same sandbox kind, the
                  same `LLMAgent` and a `ScriptedModel` giving the same replies at once:
                  the rate if the model cost nothing (no HTTP, no store).

The episode is fixed by conversation turn: `run_tests`, then `submit` (two model calls;
two sandbox runs, the second being the grading). It then prints achieved / min(bounds);
at high concurrency the runner should reach 0.90 or more. At concurrency 1 the ratio is
low by construction: one episode at a time waits for the model and the sandbox in turn.

    python -m benchmarks.bench_rollout [--episodes 200] [--concurrency 1,8,32]
                                       [--latency 0.2] [--sandbox auto|bwrap|process]

Run it from the repository root: the fake server is test equipment (`tests/fake_openai_server.py`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from fixloop.agents.llm_agent import LLMAgent
from fixloop.core.trajectory import Trajectory
from fixloop.env.debug_env import EnvConfig
from fixloop.models.scripted import ScriptedModel
from fixloop.rollout.run_session import RunSettings, execute_run, plan_jobs, select_tasks, start_run
from fixloop.rollout.runner import EpisodeJob, LocalExecutor
from fixloop.sandbox.factory import make_sandbox
from fixloop.store import Store
from fixloop.tasks.task import Task
from tests.fake_openai_server import Behaviour, ChatRequest, Reply

ROOT = Path(__file__).resolve().parents[1]

TASK_ID = "fahrenheit-to-celsius"
"""A small builtin task: one test file of nine tests."""
SCRIPT = [{"action_type": "run_tests"}, {"action_type": "submit"}]
"""The model's replies, by conversation turn."""


def by_turn(latency_s: float) -> Behaviour:
    """A server behaviour answering turn k of a conversation with SCRIPT[k-1] after `latency_s`."""

    def reply(request: ChatRequest) -> Reply:
        turn = sum(message["role"] == "user" for message in request.messages)
        return Reply(text=json.dumps(SCRIPT[min(turn, len(SCRIPT)) - 1]), latency_s=latency_s)

    return reply


def run_settings(args: argparse.Namespace, base_url: str, concurrency: int) -> RunSettings:
    return RunSettings(
        agent="llm", model="openai:fake-model", base_url=base_url, cache=False,
        concurrency=concurrency, episodes_per_task=args.episodes, suite="builtin",
        task_ids=[TASK_ID], sandbox=args.sandbox,
    )  # fmt: skip


SERVER_SCRIPT = """
import sys
from benchmarks.bench_rollout import by_turn
from tests.fake_openai_server import FakeOpenAIServer
with FakeOpenAIServer(by_turn(float(sys.argv[1]))) as server:
    print(server.base_url, flush=True)
    sys.stdin.read()
    print(len(server.requests), flush=True)
"""
"""The fake model server as a process of its own: a real endpoint runs elsewhere, and in
this process its request handling would take the runner's interpreter lock."""


@dataclass
class ModelServer:
    """The fake server's address and, once it has stopped, how many requests it answered."""

    base_url: str
    calls: int = 0


@contextmanager
def model_server(latency_s: float) -> Iterator[ModelServer]:
    """`SERVER_SCRIPT` running until the block ends (from the repository root)."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVER_SCRIPT, str(latency_s)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    assert process.stdin is not None and process.stdout is not None
    server = ModelServer(base_url=process.stdout.readline().strip())
    try:
        yield server
    finally:
        process.stdin.close()
        server.calls = int(process.stdout.readline() or 0)
        process.wait()


def achieved(args: argparse.Namespace, concurrency: int) -> tuple[float, float, int]:
    """(seconds, model calls per episode, episodes not ending `unresolved`) of a real llm run."""
    with (
        model_server(args.latency) as server,
        tempfile.TemporaryDirectory(prefix="fixloop-bench-") as tmp,
        Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}") as store,
    ):
        settings = run_settings(args, server.base_url, concurrency)
        tasks = select_tasks(settings)
        run = start_run(store, f"bench-c{concurrency}", settings, tasks)
        started = time.perf_counter()
        progress = execute_run(store, run, settings, tasks)
        seconds = time.perf_counter() - started
        outcomes = [t.outcome for t in store.trajectories(run)]
    unexpected = sum(outcome != "unresolved" for outcome in outcomes) + (progress.planned - len(outcomes))
    return seconds, server.calls / args.episodes, unexpected


def sandbox_only(args: argparse.Namespace, tasks: list[Task], concurrency: int) -> float:
    """Seconds for the same episodes on `LocalExecutor` with a model that answers at once."""
    settings = run_settings(args, "http://unused", concurrency)
    jobs = plan_jobs(tasks, args.episodes)
    finished: list[Trajectory] = []

    def agent(_: Task) -> LLMAgent:
        return LLMAgent(ScriptedModel([json.dumps(action) for action in SCRIPT]), settings.agent_config)

    def collect(_: EpisodeJob, trajectory: Trajectory) -> None:
        finished.append(trajectory)

    executor = LocalExecutor(
        lambda: make_sandbox(args.sandbox),
        concurrency=concurrency,
        env_config=EnvConfig(reward=settings.reward),  # type: ignore[arg-type]
    )
    started = time.perf_counter()
    executor.run(jobs, agent, collect)
    seconds = time.perf_counter() - started
    if any(t.outcome != "unresolved" for t in finished):
        raise RuntimeError(f"sandbox-only episodes ended {sorted({t.outcome for t in finished})}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--episodes", type=int, default=200, help="episodes per concurrency level")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated concurrency levels")
    parser.add_argument("--latency", type=float, default=0.2, help="seconds the server takes per reply")
    parser.add_argument("--sandbox", choices=["auto", "bwrap", "process"], default="auto")
    args = parser.parse_args()
    levels = [int(level) for level in args.concurrency.split(",")]

    probe = make_sandbox(args.sandbox)  # pays bubblewrap's one-off probe before any timing
    kind = probe.name
    probe.close()
    tasks = select_tasks(run_settings(args, "http://unused", 1))
    print(
        f"task {TASK_ID}, {args.episodes} episodes per level, latency {args.latency * 1000:.0f} ms, "
        f"sandbox {kind}, {os.cpu_count()} cpus, python {sys.version.split()[0]}"
    )
    print(
        f"{'conc':>5}{'calls/ep':>9}{'achieved s':>12}{'sandbox s':>11}{'eps/s':>9}{'model bd':>10}"
        f"{'sandbox bd':>12}{'ratio':>8}"
    )
    for concurrency in levels:
        sandbox_seconds = sandbox_only(args, tasks, concurrency)
        seconds, calls, unexpected = achieved(args, concurrency)
        rate = args.episodes / seconds
        model_bound = concurrency / (calls * args.latency)
        sandbox_bound = args.episodes / sandbox_seconds
        ratio = rate / min(model_bound, sandbox_bound)
        print(
            f"{concurrency:>5}{calls:>9.2f}{seconds:>12.1f}{sandbox_seconds:>11.1f}{rate:>9.2f}{model_bound:>10.2f}"
            f"{sandbox_bound:>12.2f}{ratio:>8.2f}"
            + (f"   {unexpected} episodes did not end unresolved" if unexpected else "")
        )
    print("eps/s: achieved episodes per second; ratio = eps/s / min(model bd, sandbox bd)")


if __name__ == "__main__":
    main()
