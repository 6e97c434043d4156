"""Benchmark: every improvement method side by side, on the same tasks and the same rollout budget.

Methods (each from the same starting point, the empty skill):

  none      — no skill: the starting context, nothing learned.
  retry     — no skill, and each unresolved test episode retried with reflection
              (`retry_run`, template reflector, 2 retries): test-time compute that reads the
              test episode's own outcome, so it is not a learned context and spends no
              training budget.
  native    — fixloop's `SkillTrainer` with its defaults (paired gate, 2 repeats, gated slow
              update), batches of `--batch-size`.
  skillopt  — the trainer emulating SkillOpt's defaults: the `strict` gate (one rollout per
              selection task, mean strictly greater) and the slow update adopted ungated.
  ace       — the trainer emulating ACE: every step adopted without a gate (`step_gate`
              off), add-only edits (`add_only`), no slow update.
  gepa      — GEPA 0.1.x through `FixloopGEPAAdapter` (`GEPATraining`): its Pareto search,
              minibatch acceptance and the template reflector as its proposer.

Everything is shared: the model (`--model`), the train / selection / test split (split
seed 0, `--fractions`), the reflector (template), and the rollout budget: each learning
method may run `--budget` episodes on the train and selection splits, counted the same way
for all (every stored episode of the training: batches, gates, slow updates, GEPA's
minibatches and validation). A trainer stops cleanly when its next phase would not fit and
keeps the skill it has; GEPA stops on its metric-call budget. `--seeds` seeds each
method's training (batches, rollouts, GEPA's sampling).

The test split is touched only after training, by this benchmark, the same way for every
method: each distinct skill (a method's final skill, and both sides of every adopted
proposal) plays every test task `--test-repeats` times, once per seed, with per-episode
sampling seeds; methods that end with the same skill share those episodes. Reported per
method, pooled over seeds:

  test      — resolve rate of the final skill on the test split, with a 95 % Wilson interval
              over the pooled test episodes (episodes of a task are not independent, so the
              interval is optimistic);
  rollouts, tokens — spent on training per seed (mean); retry's are its retry attempts;
  proposals — candidates made / adopted (for GEPA: accepted into its pool by its minibatch
              rule, which is not fixloop's gate);
  harmful   — adopted proposals whose skill resolved fewer test episodes than its parent;
  size      — the final skill's tokens (mean).

With a simulated model (`sim:*`, the default `sim:careless`) every figure is simulated —
the table title and the JSON say so — and is not any model's performance. With a real
endpoint (`--model openai:NAME --base-url URL`, key in $OPENAI_API_KEY) the same command
produces the same table for that model. Builtin tasks where a wrong edit can hang a test
run for 30 s are left out unless `--all-tasks`.

    python -m benchmarks.bench_optimizers [--model sim:careless] [--seeds 0,1] [--budget 80]
        [--fractions 0.4,0.3,0.3] [--batch-size 8] [--test-repeats 2] [--concurrency 2]
        [--methods none,retry,native,skillopt,ace,gepa] [--db URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from fixloop.agents.context import AgentContext
from fixloop.analysis.metrics import is_scored
from fixloop.analysis.statistics import proportion_ci
from fixloop.improve.gate import GateSettings
from fixloop.improve.ledger import Ledger
from fixloop.improve.retry_loop import RetrySettings, retry_run
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.trainer import SkillTrainer, TrainingResult, training_splits
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.improve.training_rollouts import TrainingRollouts
from fixloop.rollout.run_session import RunSettings, is_simulated, select_tasks
from fixloop.store import Store
from fixloop.tasks.loader import load_suite
from fixloop.tasks.splits import TaskSplits

HANGING = {
    "calc-negative-literal-power",
    "route-planner-detour",
    "query-string-plus-sign",
    "cron-next-run-spec",
}
"""Builtin tasks where a wrong edit can hang a test run until its 30 s timeout."""

METHODS = ("none", "retry", "native", "skillopt", "ace", "gepa")
TRAINERS: dict[str, dict[str, Any]] = {
    "native": {},
    "skillopt": {"gate": GateSettings(policy="strict", repeats=1), "slow_update_gate": False},
    "ace": {"step_gate": False, "add_only": True, "slow_update": False},
}
"""Each trainer method's settings on top of the shared ones."""


@dataclass
class Outcome:
    """One method on one seed."""

    final_skill: str
    resolved: int
    episodes: int
    rollouts: int
    tokens: int
    proposals: int
    adopted: int
    harmful: int
    size: int
    status: str = "finished"


@dataclass
class Row:
    """One method, pooled over seeds."""

    method: str
    test_rate: float
    ci_low: float
    ci_high: float
    episodes: int
    rollouts: float
    tokens: float
    proposals: int
    adopted: int
    harmful: int
    size: float
    seeds: list[Outcome] = field(default_factory=list)


class TestBench:
    """Plays skills on the test split once per (seed, skill), as stored runs `bench-sSEED:test-VERSION`."""

    def __init__(self, store: Store, settings: RunSettings, splits: TaskSplits, repeats: int) -> None:
        self.store, self.settings, self.splits, self.repeats = store, settings, splits, repeats

    def rollouts(self, seed: int) -> TrainingRollouts:
        return TrainingRollouts(self.store, f"bench-s{seed}", self.settings, seed=seed)

    def resolved(self, seed: int, skill: Skill) -> tuple[int, int]:
        """(resolved, scored) test episodes of `skill`."""
        episodes = self.rollouts(seed).rollout(
            AgentContext(skill=skill.markdown()), self.splits.test, repeats=self.repeats,
            label=f"test-{skill.version_id}",
        )  # fmt: skip
        scored = [t for t in episodes.values() if is_scored(t)]
        return sum(t.outcome == "resolved" for t in scored), len(scored)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(args.db or f"sqlite:///{tmp}/bench.db")
        rows, simulated, sizes = run(store, args, tmp)
    seconds = time.monotonic() - started
    label = "simulated: not a model's performance" if simulated else "measured"
    report = {
        "simulated": simulated, "model": args.model, "seconds": round(seconds, 1), "split": sizes,
        "budget": args.budget, "seeds": args.seeds, "test_repeats": args.test_repeats,
        "rows": [asdict(row) for row in rows],
    }  # fmt: skip
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"optimizers on the builtin suite, {args.model} ({label}); split {sizes}; budget {args.budget} "
          f"training rollouts per method and seed; seeds {args.seeds}; {seconds:.0f} s")  # fmt: skip
    print(table(rows, simulated))
    return 0


def run(store: Store, args: argparse.Namespace, tmp: str) -> tuple[list[Row], bool, dict[str, int]]:
    """Every method on every seed; the rows of the table, whether simulated, the split sizes."""
    task_ids = [t.id for t in load_suite("builtin") if args.all_tasks or t.id not in HANGING]
    settings = RunSettings(
        agent="llm", model=args.model, base_url=args.base_url, suite="builtin", task_ids=task_ids,
        split_fractions=args.fractions, concurrency=args.concurrency,
        agent_config={"temperature": args.temperature},  # type: ignore[arg-type]
    )  # fmt: skip
    shared = TrainingSettings(
        rollout=settings, batch_size=args.batch_size, epochs=args.epochs, max_rollouts=args.budget,
        final_test=False, test_repeats=args.test_repeats,
    )  # fmt: skip
    splits = training_splits(shared, select_tasks(settings))
    sizes = {name: len(splits.split(name)) for name in ("train", "selection", "test")}  # type: ignore[arg-type]
    bench = TestBench(store, settings, splits, args.test_repeats)
    methods: dict[str, Callable[[int], Outcome]] = {
        "none": lambda seed: _none(bench, seed),
        "retry": lambda seed: _retry(store, bench, seed),
        "gepa": lambda seed: _gepa(store, bench, shared, splits, seed, tmp),
        **{m: (lambda seed, m=m: _trainer(store, bench, shared, splits, m, seed)) for m in TRAINERS},
    }
    rows = []
    for method in args.methods:
        outcomes = []
        for seed in args.seeds:
            print(f"[{time.strftime('%H:%M:%S')}] {method} seed {seed}", file=sys.stderr)
            outcomes.append(methods[method](seed))
        rows.append(_pooled(method, outcomes))
    return rows, is_simulated(args.model), sizes


def _none(bench: TestBench, seed: int) -> Outcome:
    empty = Skill()
    resolved, episodes = bench.resolved(seed, empty)
    return Outcome(empty.version_id, resolved, episodes, 0, 0, 0, 0, 0, 0)


def _retry(store: Store, bench: TestBench, seed: int) -> Outcome:
    empty = Skill()
    bench.resolved(seed, empty)
    run = bench.rollouts(seed).run_name(f"test-{empty.version_id}")
    report = retry_run(store, run, RetrySettings(max_retries=2))
    attempts = [r for r in store.list_runs() if r.name.startswith(f"{run}-retry")]
    rollouts = sum(1 for info in attempts for _ in store.episodes(info))
    tokens = sum(e.tokens for info in attempts for e in store.episodes(info))
    return Outcome(empty.version_id, report.resolved_after, report.episodes, rollouts, tokens, 0, 0, 0, 0)


def _trainer(
    store: Store, bench: TestBench, shared: TrainingSettings, splits: TaskSplits, method: str, seed: int
) -> Outcome:
    name = f"{method}-s{seed}"
    settings = shared.model_copy(update={"seed": seed, **TRAINERS[method]})
    store.create_training(
        name, config=settings.model_dump(mode="json"), simulated=is_simulated(settings.rollout.model)
    )
    result = SkillTrainer(store, name, settings, splits).run()
    return _outcome(store, bench, name, result, seed)


def _gepa(
    store: Store, bench: TestBench, shared: TrainingSettings, splits: TaskSplits, seed: int, tmp: str
) -> Outcome:
    from fixloop.integrations.gepa_training import GEPATraining

    name = f"gepa-s{seed}"
    settings = shared.model_copy(
        update={"seed": seed, "optimizer": "gepa", "gepa_run_dir": os.path.join(tmp, "gepa", name)}
    )
    store.create_training(
        name, config=settings.model_dump(mode="json"), simulated=is_simulated(settings.rollout.model)
    )
    result = GEPATraining(store, name, settings, splits).run()
    return _outcome(store, bench, name, result, seed)


def _create(store: Store, name: str, settings: TrainingSettings) -> None:
    simulated = is_simulated(settings.rollout.model)
    store.create_training(name, config=settings.model_dump(mode="json"), simulated=simulated)


def _outcome(store: Store, bench: TestBench, name: str, result: TrainingResult, seed: int) -> Outcome:
    """The final skill on the test split, and every adopted proposal checked against its parent there."""

    def skill(version: str) -> Skill:
        return Skill.model_validate(store.skill_version(version).content)

    final = skill(result.final_skill)
    resolved, episodes = bench.resolved(seed, final)
    entries = [e for e in Ledger(store, name).entries() if e.candidate]
    adopted = [e for e in entries if e.adopted]
    harmful = 0
    for entry in adopted:
        assert entry.candidate is not None
        after, n_after = bench.resolved(seed, skill(entry.candidate))
        before, n_before = bench.resolved(seed, skill(entry.parent))
        harmful += after / max(n_after, 1) < before / max(n_before, 1)
    return Outcome(
        result.final_skill, resolved, episodes, result.rollouts, result.tokens, len(entries), len(adopted),
        harmful, final.tokens, result.status,
    )  # fmt: skip


def _pooled(method: str, outcomes: list[Outcome]) -> Row:
    resolved, episodes = sum(o.resolved for o in outcomes), sum(o.episodes for o in outcomes)
    ci = proportion_ci(resolved, episodes)
    n = len(outcomes)
    return Row(
        method=method, test_rate=ci.value, ci_low=ci.low, ci_high=ci.high, episodes=episodes,
        rollouts=sum(o.rollouts for o in outcomes) / n, tokens=sum(o.tokens for o in outcomes) / n,
        proposals=sum(o.proposals for o in outcomes), adopted=sum(o.adopted for o in outcomes),
        harmful=sum(o.harmful for o in outcomes), size=sum(o.size for o in outcomes) / n, seeds=outcomes,
    )  # fmt: skip


def table(rows: list[Row], simulated: bool) -> str:
    """The rows as a markdown table; every rate is labelled simulated when the model is."""
    tag = " (simulated)" if simulated else ""
    lines = [
        f"| method | test resolve rate{tag} [95% CI] | rollouts / seed | tokens / seed "
        "| proposals made / adopted | harmful adoptions | skill size (tokens) |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row.method} | {row.test_rate:.2f} [{row.ci_low:.2f}, {row.ci_high:.2f}] "
            f"({row.episodes} episodes) | {row.rollouts:.0f} | {row.tokens / 1e6:.2f}M "
            f"| {row.proposals} / {row.adopted} | {row.harmful} | {row.size:.0f} |"
        )
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", default="sim:careless", help="PROVIDER:NAME (sim:* is simulated).")
    parser.add_argument(
        "--base-url", default=os.environ.get("OPENAI_BASE_URL"), help="OpenAI-compatible endpoint."
    )
    parser.add_argument("--temperature", type=float, default=0.0, help="The agent's sampling temperature.")
    parser.add_argument("--seeds", type=lambda s: [int(x) for x in s.split(",")], default=[0, 1])
    parser.add_argument("--budget", type=int, default=80, help="Training rollouts per method and seed.")
    parser.add_argument("--fractions", default="0.4,0.3,0.3", help="Train,selection,test shares.")
    parser.add_argument("--batch-size", type=int, default=8, help="The trainers' tasks per step.")
    parser.add_argument(
        "--epochs", type=int, default=10, help="The trainers' epochs (the budget stops them)."
    )
    parser.add_argument("--test-repeats", type=int, default=2, help="Test rollouts per task and skill.")
    parser.add_argument("--concurrency", type=int, default=2, help="Episodes run at once.")
    parser.add_argument("--methods", type=lambda s: s.split(","), default=list(METHODS))
    parser.add_argument("--all-tasks", action="store_true", help="Include the tasks that can hang for 30 s.")
    parser.add_argument("--db", default=None, help="Store URL (default: a temporary SQLite file).")
    parser.add_argument("--json", action="store_true", help="Print the report as JSON.")
    args = parser.parse_args(argv)
    unknown = sorted(set(args.methods) - set(METHODS))
    if unknown:
        parser.error(f"unknown methods {unknown}; choose from {', '.join(METHODS)}")
    return args


if __name__ == "__main__":
    sys.exit(main())
