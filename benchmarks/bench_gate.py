"""Benchmark: how often does each gate policy accept noise, and how often a real gain?

The gate (`fixloop.improve.gate`) must not adopt an edit on noise yet must adopt real gains.
This measures both, for the three policies side by side, with the simulated model
`sim:careless` on the builtin suite's selection split (split seed 0, fractions 0.6,0.2,0.2):

  A/A        — the candidate is the incumbent (the empty skill) plus one rule that holds
               none of `DIRECTIVE_PHRASES`, so it cannot change the simulated model's
               behaviour (asserted with `active_directives` on the rendered system prompt).
               Every acceptance is a false accept.
  real gain  — the candidate is the incumbent plus one rule that addresses exactly one
               behaviour (asserted the same way); trial i uses rule i mod len(GAIN_RULES).
               Every acceptance is a true accept.

Each trial measures both sides with `repeats` rollouts per task, as the gate does in a
training, and applies `judge` with every policy to the same outcomes. The gate's settings
are the defaults except the seed, which is the trial's own, so `minibatch-sum` samples its
own minibatch per trial (as GEPA does per iteration).

**Rollouts are pooled, and every sample is a real rollout.** Running every trial's episodes
afresh would take thousands of episodes. Instead, for the base context, the A/A candidate
and each real-gain candidate, a pool of `--pool` real episodes per selection task is run
once (`execute_jobs` on a temporary SQLite store, each episode its own sampling seed). The
pools share their episode seeds: episode k of a task has the same seed in every context, so
two contexts differ exactly where the prompt changes the model's behaviour, and the A/A pool
comes out identical to the base pool (which the benchmark asserts: the rule has no effect).
A trial draws, per task, `2 x repeats` distinct episode indices: the first `repeats` are the
incumbent's rollouts (from the base pool), the others the candidate's (from its own pool).
The two sides of a trial therefore never share a seed, as in a training where each side of a
gate runs with its own seeds; rollouts with different seeds are independent draws of the
model's behaviour, so each trial's samples are distributed as fresh rollouts would be.
Infra errors are left out, as the gate does. Trials share pools, so they are not fully
independent: the Wilson intervals over trials treat them as independent and are narrower
than a fresh-rollout design's would be.

Results are simulated (sim:careless): they say how the policies treat this model's noise
and gains, not any real model's.

    python -m benchmarks.bench_gate [--trials 200] [--pool 30] [--seed 0] [--repeats 2] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from fixloop.agents.context import AgentContext
from fixloop.agents.prompt import system_prompt
from fixloop.analysis.metrics import is_scored
from fixloop.analysis.statistics import Estimate, proportion_ci
from fixloop.improve.gate import POLICIES, GateSettings, TaskOutcome, judge
from fixloop.improve.skills.skill import Skill
from fixloop.improve.training_rollouts import derived_seed
from fixloop.models.base import Message
from fixloop.models.sim import Behaviour, active_directives
from fixloop.rollout.run_session import RunSettings, execute_jobs, select_tasks
from fixloop.rollout.runner import EpisodeJob
from fixloop.store import Store
from fixloop.tasks.task import Task

MODEL = "sim:careless"
LABEL = f"simulated ({MODEL})"
NO_EFFECT_RULE = "Keep your notes about the task short and factual."
"""The A/A candidate's rule: it holds no directive phrase, so the simulated model ignores it."""
GAIN_RULES: dict[Behaviour, str] = {
    "never_test": "Run the tests after every edit.",
    "premature_submit": "Do not submit while any test fails.",
    "wrong_edit": "Do not guess: find the exact lines the failing test exercises.",
}
"""The real-gain candidates' rules, each addressing exactly one behaviour of sim:careless."""
GOAL_FALSE_ACCEPT = 0.05
"""The paired policy's goal: at most this false-accept rate in the A/A test."""


@dataclass(frozen=True)
class Candidate:
    """An agent context to pool, with the skill's size and the behaviours its prompt addresses."""

    label: str
    context: AgentContext
    tokens: int
    addresses: frozenset[Behaviour]


@dataclass(frozen=True)
class Pool:
    """One context's real rollouts: per task, the scores of its scored episodes (1.0 resolved)."""

    scores: dict[str, list[float | None]]
    """Per task, the score of episode k at index k (None: an infra error, left out)."""
    infra_errors: int
    hangs: dict[str, int]
    seconds: float

    @property
    def resolve_rate(self) -> float:
        """Resolved over scored episodes, all tasks together."""
        flat = [score for scores in self.scores.values() for score in scores if score is not None]
        return sum(flat) / len(flat) if flat else 0.0

    @property
    def episodes(self) -> int:
        """Scored episodes in the pool."""
        return sum(score is not None for scores in self.scores.values() for score in scores)


def candidate(label: str, rule: str | None) -> Candidate:
    """The empty skill plus `rule` (none: the incumbent), and what its rendered prompt addresses."""
    skill = Skill.parse(f"## Rules\n- {rule}\n" if rule else "")
    context = AgentContext(skill=skill.markdown())
    prompt = [Message(role="system", content=system_prompt(context))]
    return Candidate(label, context, skill.tokens, active_directives(prompt))


def build_pool(store: Store, who: Candidate, tasks: Sequence[Task], args: argparse.Namespace) -> Pool:
    """Run `args.pool` real episodes per task with `who.context`; episode k of a task has the same
    sampling seed in every context's pool."""
    settings = RunSettings(
        agent="llm", model=MODEL, suite="builtin", seed=derived_seed(args.seed, "pool"),
        concurrency=args.concurrency, seed_per_episode=True,
    )  # fmt: skip
    jobs = [EpisodeJob(task, index, who.context) for task in tasks for index in range(args.pool)]
    run = store.create_run(
        f"pool-{who.label}", agent=settings.agent, model=settings.model_label,
        config=settings.model_dump(mode="json"), planned=[job.key for job in jobs], simulated=True,
    )  # fmt: skip
    started = time.perf_counter()
    execute_jobs(store, run, settings, jobs)
    seconds = time.perf_counter() - started
    timeouts = {task.id: task.timeout_s for task in tasks}
    scores: dict[str, list[float | None]] = {task.id: [None] * args.pool for task in tasks}
    hangs: dict[str, int] = {}
    infra_errors = 0
    for (task_id, index), trajectory in sorted(store.keyed_trajectories(run).items()):
        if trajectory.seconds >= timeouts[task_id]:
            hangs[task_id] = hangs.get(task_id, 0) + 1
        if is_scored(trajectory):
            scores[task_id][index] = float(trajectory.outcome == "resolved")
        else:
            infra_errors += 1
    return Pool(scores, infra_errors, hangs, seconds)


def trial_accepts(
    incumbent: Pool, challenger: Pool, who: Candidate, base: Candidate, *, seed: int, repeats: int
) -> dict[str, bool]:
    """One gate comparison from the pools: each policy's verdict on the same drawn outcomes.

    Per task, `2 x repeats` distinct episode indices: the incumbent's rollouts, then the
    candidate's, so the sides never share a seed. Like `Gate.compare`, a task with no
    outcome on either side is left out.
    """
    rng = np.random.default_rng(seed)
    outcomes = []
    for task_id, theirs_all in incumbent.scores.items():
        picked = rng.choice(len(theirs_all), size=2 * repeats, replace=False)
        theirs = [s for i in picked[:repeats] if (s := theirs_all[i]) is not None]
        ours = [s for i in picked[repeats:] if (s := challenger.scores[task_id][i]) is not None]
        if ours and theirs:
            outcomes.append(TaskOutcome(task_id=task_id, candidate=ours, incumbent=theirs))
    return {
        policy: judge(
            outcomes,
            settings=GateSettings(policy=policy, repeats=repeats, seed=seed),  # type: ignore[arg-type]
            candidate_tokens=who.tokens,
            incumbent_tokens=base.tokens,
        ).accepted
        for policy in POLICIES
    }


def run_trials(
    kind: str,
    incumbent: Pool,
    challengers: Sequence[tuple[Candidate, Pool]],
    base: Candidate,
    args: argparse.Namespace,
) -> list[dict[str, bool]]:
    """`args.trials` trials against the incumbent; trial i's candidate is challengers[i mod n]."""
    verdicts = []
    for i in range(args.trials):
        who, pool = challengers[i % len(challengers)]
        seed = derived_seed(args.seed, f"{kind}-{i}")
        verdicts.append(trial_accepts(incumbent, pool, who, base, seed=seed, repeats=args.repeats))
    return verdicts


def gap(pool: Pool, base: Pool) -> float:
    """How much higher `pool`'s resolve rate is than `base`'s."""
    return pool.resolve_rate - base.resolve_rate


def accept_rates(accepts: list[dict[str, bool]]) -> dict[str, Estimate]:
    """Each policy's acceptance rate over trials, with a Wilson 95% interval."""
    return {policy: proportion_ci(sum(a[policy] for a in accepts), len(accepts)) for policy in POLICIES}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=200, help="trials of each kind (A/A and real gain)")
    parser.add_argument("--pool", type=int, default=30, help="real rollouts per task and context")
    parser.add_argument("--seed", type=int, default=0, help="seeds the pools and the trials")
    parser.add_argument("--repeats", type=int, default=2, help="rollouts per task and side in a trial")
    parser.add_argument("--concurrency", type=int, default=2, help="episodes run at once while pooling")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.pool < 2 * args.repeats:
        parser.error(f"--pool ({args.pool}) must be at least twice --repeats ({args.repeats})")

    tasks = select_tasks(RunSettings(agent="llm", model=MODEL, suite="builtin", split="selection"))
    base = candidate("base", None)
    no_effect = candidate("A/A", NO_EFFECT_RULE)
    gains = [candidate(f"+{behaviour}", rule) for behaviour, rule in GAIN_RULES.items()]
    assert not base.addresses and not no_effect.addresses, "the A/A rule must address no behaviour"
    for gain, behaviour in zip(gains, GAIN_RULES, strict=True):
        assert gain.addresses == {behaviour}, f"{gain.label} addresses {sorted(gain.addresses)}"

    log = sys.stderr if args.json else sys.stdout
    print(
        f"{LABEL}: builtin selection split ({len(tasks)} tasks), {args.pool} rollouts per task and "
        f"context, {args.trials} trials each, repeats {args.repeats}, {os.cpu_count()} cpus",
        file=log,
    )
    pools: dict[str, Pool] = {}
    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="fixloop-bench-gate-") as tmp,
        Store.open(f"sqlite:///{Path(tmp) / 'bench.db'}") as store,
    ):
        for who in [base, no_effect, *gains]:
            pools[who.label] = build_pool(store, who, tasks, args)
            pool = pools[who.label]
            print(
                f"  pool {who.label:<18} resolve rate {pool.resolve_rate:.3f} over {pool.episodes} episodes "
                f"({pool.infra_errors} infra errors left out), {pool.seconds:.0f} s",
                file=log,
            )
    pool_seconds = time.perf_counter() - started
    assert pools[no_effect.label].scores == pools[base.label].scores, "the A/A rule changed the model"

    started = time.perf_counter()
    aa = run_trials("aa", pools[base.label], [(no_effect, pools[no_effect.label])], base, args)
    real = run_trials("gain", pools[base.label], [(g, pools[g.label]) for g in gains], base, args)
    trial_seconds = time.perf_counter() - started
    false_accept, true_accept = accept_rates(aa), accept_rates(real)
    per_rule = {gain.label: accept_rates(real[i :: len(gains)]) for i, gain in enumerate(gains)}
    hang_counts: dict[str, int] = {}
    for pool in pools.values():
        for task, n in pool.hangs.items():
            hang_counts[task] = hang_counts.get(task, 0) + n
    paired_ok = false_accept["paired"].value <= GOAL_FALSE_ACCEPT and true_accept["paired"].value > 0.5

    if args.json:
        print(json.dumps(figures(args, tasks, pools, false_accept, true_accept, per_rule, hang_counts,
                                 pool_seconds, trial_seconds, paired_ok), indent=2))  # fmt: skip
        return
    print(f"trials resample a pool of {args.pool} real rollouts per task and context")
    rates = ", ".join(
        f"{label} {pool.resolve_rate:.3f}"
        + ("" if label == base.label else f" ({gap(pool, pools[base.label]):+.3f})")
        for label, pool in pools.items()
    )
    print(f"pool resolve rates, {LABEL} (difference from base): {rates}")
    print(
        "pools share episode seeds, so the A/A pool equals the base pool (the rule has no effect); "
        "a trial's two sides never share a seed"
    )
    print(f"gate settings: defaults (paired alpha {GateSettings().alpha:g}), each trial its own seed")
    print(f"pools built in {pool_seconds:.0f} s; {2 * args.trials} trials judged in {trial_seconds:.0f} s")
    if hang_counts:
        slow = ", ".join(f"{task} ({n} episodes)" for task, n in sorted(hang_counts.items()))
        print(f"hang-prone tasks (episodes reaching the task's test timeout): {slow}")
    else:
        print("hang-prone tasks: none (no episode lasted as long as its task's test timeout)")
    print()
    print(f"{LABEL}, real gains: one rule each, cycled over trials: {', '.join(g.label for g in gains)}")
    print(f"{'policy':<15}{'A/A false-accept [95% CI]':>28}{'real-gain true-accept [95% CI]':>33}")
    for policy in POLICIES:
        print(f"{policy:<15}{false_accept[policy]!s:>28}{true_accept[policy]!s:>33}")
    print()
    print("true-accept by rule:  " + "  ".join(f"{label:>18}" for label in per_rule))
    for policy in POLICIES:
        print(f"{policy:<21}" + "  ".join(f"{rates[policy]!s:>18}" for rates in per_rule.values()))
    print()
    print(
        f"goal: paired falsely accepts <= {GOAL_FALSE_ACCEPT:.0%} while accepting most (> 50%) real gains: "
        + ("met" if paired_ok else "NOT met")
        + f" (false accept {false_accept['paired'].value:.1%}, true accept {true_accept['paired'].value:.1%})"
    )


def figures(
    args: argparse.Namespace,
    tasks: Sequence[Task],
    pools: dict[str, Pool],
    false_accept: dict[str, Estimate],
    true_accept: dict[str, Estimate],
    per_rule: dict[str, dict[str, Estimate]],
    hangs: dict[str, int],
    pool_seconds: float,
    trial_seconds: float,
    paired_ok: bool,
) -> dict[str, Any]:
    """Everything the table shows, as JSON-ready data."""

    def rates(estimates: dict[str, Estimate]) -> dict[str, dict[str, float]]:
        return {p: {"rate": e.value, "low": e.low, "high": e.high, "n": e.n} for p, e in estimates.items()}

    return {
        "simulated": True,
        "model": MODEL,
        "tasks": [task.id for task in tasks],
        "pool_per_task": args.pool,
        "trials": args.trials,
        "repeats": args.repeats,
        "seed": args.seed,
        "no_effect_rule": NO_EFFECT_RULE,
        "gain_rules": dict(GAIN_RULES),
        "pool_resolve_rates": {label: pool.resolve_rate for label, pool in pools.items()},
        "pool_gap_vs_base": {label: gap(pool, pools["base"]) for label, pool in pools.items()},
        "pool_seconds_by_context": {label: pool.seconds for label, pool in pools.items()},
        "pool_infra_errors": {label: pool.infra_errors for label, pool in pools.items()},
        "hang_prone_tasks": hangs,
        "false_accept": rates(false_accept),
        "true_accept": rates(true_accept),
        "true_accept_by_rule": {label: rates(estimates) for label, estimates in per_rule.items()},
        "pool_seconds": pool_seconds,
        "trial_seconds": trial_seconds,
        "goal_met": paired_ok,
    }


if __name__ == "__main__":
    main()
