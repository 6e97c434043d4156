"""The `Gate`: the one comparison that decides whether a candidate agent context is adopted.

Every improvement method (skill training, memory CI, playbooks, GEPA-style mutation) ends
here, so that "No improvement is adopted on noise" holds in one place. The gate measures the
incumbent and the candidate in the same round, on the same tasks, with `repeats` rollouts
per task and side, and hands the paired outcomes to an acceptance policy:

- `paired` (the default) accepts only on a significant paired gain that breaks nothing: a
  one-sided exact test of the per-task resolve-rate differences, conditional on each task's
  outcomes, has p < alpha, and no task the incumbent resolved in every repeat is lost in
  every repeat.
- `strict` is SkillOpt's rule: the candidate's mean over one rollout per task is strictly
  above the incumbent's. SkillOpt compares against a stored score; here the incumbent is
  re-measured, so only the decision rule is reproduced, not the stale comparison.
- `minibatch-sum` is GEPA's rule: on `minibatch` seeded-sampled tasks, one rollout each, the
  candidate's sum of scores strictly exceeds the incumbent's.

`strict` and `minibatch-sum` are the anchors the paired gate must beat; an A/A test flipped
27% of their verdicts on identical inputs. A candidate over the size cap is never adopted,
whatever the policy, and `Gate.compare` rejects it before any rollout is spent.

Why the test conditions on each task: tasks differ in difficulty far more than contexts do,
so the comparison is made within each task (paired by task) and a task's difficulty cancels
out. Within a task, each rollout is an independent sample given its prompt (every rollout
has its own sampling seed), so repeats add power. That holds only when rollouts can differ:
when the caller knows repeats cannot differ (`deterministic`: temperature 0 on a
deterministic endpoint, or identical trajectories), only the first repeat of each side is
counted and the verdict says so.

Every verdict carries the same evidence whatever the policy (per-task outcomes, the mean
difference with a paired bootstrap interval, newly failing tasks, tokens and cost), so
verdicts of different policies can be set side by side; only `paired` reports a p-value.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field
from scipy import stats

from fixloop.agents.context import AgentContext
from fixloop.analysis.statistics import bootstrap_paired_difference
from fixloop.tasks.task import Task

PolicyName = Literal["paired", "strict", "minibatch-sum"]
POLICIES: tuple[str, ...] = ("paired", "strict", "minibatch-sum")
"""The acceptance policies `make_policy` knows, default first."""

_DIGITS = 9
"""Sums of rate differences are rounded to this many digits, so equal sums meet in the law."""
_TOLERANCE = 1e-7

Score = Annotated[float, Field(ge=0.0, le=1.0)]

_NO_PAIRS = "rejected: no task was measured on both sides"
_NO_DIFFERENCE = "rejected: no difference on any task"
_DETERMINISTIC_NOTE = (
    "repeats are not independent samples (deterministic endpoint): each task counts once, "
    "with its first repeat"
)


class GateSettings(BaseModel):
    """How the gate measures and decides; one home for every knob of the comparison."""

    model_config = ConfigDict(extra="forbid")

    policy: PolicyName = Field(default="paired", description="The acceptance policy, one of POLICIES.")
    repeats: int = Field(default=2, ge=1, description="Rollouts per task on each side.")
    alpha: float = Field(
        default=0.1,
        gt=0.0,
        lt=0.5,
        description="One-sided significance level of the paired policy. Below 0.5: at 0.5 or more "
        "the test would accept a gain it thinks no likelier than a loss.",
    )
    size_cap_tokens: int = Field(
        default=1500, ge=1, description="A candidate larger than this many tokens is never adopted."
    )
    minibatch: int = Field(default=3, ge=1, description="Tasks the minibatch-sum policy samples.")
    seed: int = Field(default=0, description="Seeds the minibatch sample and the bootstrap interval.")


class TaskOutcome(BaseModel):
    """One task's results on both sides: a score per repeat, 1.0 resolved and 0.0 not."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    task_id: str = Field(description="The task both sides were measured on.")
    candidate: list[Score] = Field(min_length=1, description="The candidate's score per repeat, in [0, 1].")
    incumbent: list[Score] = Field(min_length=1, description="The incumbent's score per repeat, in [0, 1].")

    @property
    def candidate_rate(self) -> float:
        """The candidate's mean score over its repeats."""
        return math.fsum(self.candidate) / len(self.candidate)

    @property
    def incumbent_rate(self) -> float:
        """The incumbent's mean score over its repeats."""
        return math.fsum(self.incumbent) / len(self.incumbent)


class Measurement(BaseModel):
    """What one side's rollouts produced in one round."""

    model_config = ConfigDict(extra="forbid")

    outcomes: dict[str, list[Score]] = Field(
        description="Task id -> score per repeat, infra errors already left out; an empty list "
        "(every repeat an infra error) means the task has no outcome."
    )
    tokens: int = Field(default=0, ge=0, description="Model tokens the rollouts used.")
    cost_usd: float = Field(default=0.0, ge=0.0, description="What the rollouts cost, in US dollars.")
    deterministic: bool = Field(
        default=False,
        description="The caller knows repeats cannot differ (temperature 0, a deterministic "
        "endpoint, or identical trajectories).",
    )


class GateVerdict(BaseModel):
    """The gate's decision with its evidence; the record a ledger stores for a proposal."""

    model_config = ConfigDict(extra="forbid")

    accepted: bool = Field(description="Whether the candidate is adopted.")
    policy: str = Field(description="The acceptance policy that decided.")
    reason: str = Field(description="Why, in one sentence a person understands.")
    tasks: list[TaskOutcome] = Field(
        description="The per-task outcomes counted (only the first repeat when deterministic)."
    )
    candidate_rate: float = Field(description="The candidate's mean over tasks of its per-task rate.")
    incumbent_rate: float = Field(description="The incumbent's mean over tasks of its per-task rate.")
    difference: float = Field(description="Mean over tasks of candidate rate minus incumbent rate.")
    ci_low: float = Field(
        description="Low end of the paired bootstrap interval of `difference`, two-sided at 1 - 2*alpha, "
        "so it is the one-sided 1 - alpha lower bound matching the paired test."
    )
    ci_high: float = Field(description="High end of the same interval.")
    p_value: float | None = Field(
        description="The one-sided paired test's p; None for policies that do not test."
    )
    newly_failing: list[str] = Field(
        description="Tasks the incumbent resolved (score 1.0) in every repeat and the candidate in none."
    )
    candidate_tokens: int = Field(description="The candidate context's size in tokens.")
    incumbent_tokens: int = Field(description="The incumbent context's size in tokens.")
    size_cap_tokens: int = Field(description="The size over which a candidate is never adopted.")
    tokens: int = Field(description="Model tokens spent measuring both sides.")
    cost_usd: float = Field(description="What measuring both sides cost, in US dollars.")
    repeats: int = Field(description="Rollouts per task and side the settings asked for.")
    deterministic: bool = Field(description="Whether repeats were known not to differ, so counted once.")
    notes: list[str] = Field(description="Caveats a reader should know: left-out tasks, uncounted repeats.")


class AcceptancePolicy(Protocol):
    """Decides adoption from paired outcomes; small and swappable, like GEPA's `AcceptanceCriterion`.

    `decide` sees the outcomes as counted (first repeat only when deterministic) and is never
    the place for the size cap or the verdict's shared statistics: `judge` handles both, so
    every policy is held to the same cap and reported with the same evidence. `decide` never
    raises on data: empty outcomes are a rejection. `p_value` is the one-sided p the policy
    decides on, None when it does not test.
    """

    name: str

    def decide(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> tuple[bool, str]:
        """Whether to accept, and the reason in one sentence starting "accepted:" or "rejected:"."""
        ...

    def p_value(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> float | None:
        """The one-sided p-value of the test behind `decide`, or None."""
        ...


class PairedSignificance:
    """Accept on a significant paired gain that loses no task the incumbent always resolved.

    The test is exact and conditional on each task's outcomes, in the manner of a stratified
    Fisher (Mantel-Haenszel) test. Under the null hypothesis the candidate is no better, so
    within a task its rollouts and the incumbent's are exchangeable: given that `s` of the
    task's `n = r_c + r_i` rollouts resolved it, the candidate's share is hypergeometric. The
    statistic is the sum over tasks of the per-task resolve-rate differences; its exact null
    distribution is the convolution of the tasks' hypergeometric laws (`scipy.stats.hypergeom`),
    and p is the chance of a sum at least as large as observed. Every rollout counts as a
    sample of its task, so repeats add power; a task both sides always (or never) resolve
    carries no information and does not move p. "Resolved" is a score of 1.0.
    """

    name = "paired"

    def p_value(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> float | None:
        """The one-sided p that the candidate resolves more than the incumbent; 1.0 without data."""
        if not outcomes:
            return 1.0
        law: dict[float, float] = {0.0: 1.0}
        observed = 0.0
        for o in outcomes:
            observed += _resolved(o.candidate) / len(o.candidate) - _resolved(o.incumbent) / len(o.incumbent)
            law = _convolve(
                law, _task_law(len(o.candidate), len(o.incumbent), _resolved(o.candidate + o.incumbent))
            )
        tail = math.fsum(chance for value, chance in law.items() if value >= observed - _TOLERANCE)
        return min(1.0, tail)

    def decide(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> tuple[bool, str]:
        """Accept when p < alpha and `newly_failing` is empty; the reason names what failed."""
        if not outcomes:
            return False, _NO_PAIRS
        if all(o.candidate_rate == o.incumbent_rate for o in outcomes):
            return False, _NO_DIFFERENCE
        p = self.p_value(outcomes, settings=settings)
        assert p is not None  # this policy always tests
        lost = newly_failing(outcomes)
        if lost:
            tasks = f"task {lost[0]}" if len(lost) == 1 else f"tasks {', '.join(lost)}"
            return False, f"rejected: lost {tasks} that the incumbent resolved in every repeat"
        if p >= settings.alpha:
            return False, f"rejected: p = {p:.3g} >= {settings.alpha:g}"
        gain = _mean([o.candidate_rate - o.incumbent_rate for o in outcomes])
        return True, (
            f"accepted: {gain:+.2f} resolve rate, one-sided p = {p:.3g} < {settings.alpha:g}, no task lost"
        )


class StrictImprovement:
    """SkillOpt's rule: the candidate's mean over one rollout per task is strictly higher.

    Only each side's first repeat counts, as SkillOpt runs one rollout per task; no test, no
    regression check.
    """

    name = "strict"

    def p_value(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> float | None:
        """None: this policy does not test."""
        return None

    def decide(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> tuple[bool, str]:
        """Accept when the first-rollout mean of the candidate is strictly above the incumbent's."""
        if not outcomes:
            return False, _NO_PAIRS
        candidate = _mean([o.candidate[0] for o in outcomes])
        incumbent = _mean([o.incumbent[0] for o in outcomes])
        if candidate > incumbent:
            return True, f"accepted: first-rollout mean {candidate:.2f} > {incumbent:.2f}"
        return False, f"rejected: first-rollout mean {candidate:.2f} is not above {incumbent:.2f}"


class MinibatchSum:
    """GEPA's rule: on a seeded minibatch of tasks, the candidate's sum of scores is strictly higher.

    Samples `settings.minibatch` task ids with `random.Random(settings.seed)` from the sorted
    ids (all of them when there are fewer); only each side's first repeat counts.
    """

    name = "minibatch-sum"

    def p_value(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> float | None:
        """None: this policy does not test."""
        return None

    def sample(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> list[str]:
        """The task ids this policy compares on, sorted; reproducible for a seed."""
        ids = sorted(o.task_id for o in outcomes)
        if len(ids) <= settings.minibatch:
            return ids
        return sorted(random.Random(settings.seed).sample(ids, settings.minibatch))

    def decide(self, outcomes: Sequence[TaskOutcome], *, settings: GateSettings) -> tuple[bool, str]:
        """Accept when the candidate's first-rollout sum on the minibatch beats the incumbent's."""
        if not outcomes:
            return False, _NO_PAIRS
        chosen = set(self.sample(outcomes, settings=settings))
        batch = [o for o in outcomes if o.task_id in chosen]
        candidate = math.fsum(o.candidate[0] for o in batch)
        incumbent = math.fsum(o.incumbent[0] for o in batch)
        names = ", ".join(sorted(chosen))
        if candidate > incumbent:
            return True, f"accepted: minibatch sum {candidate:g} > {incumbent:g} on tasks {names}"
        return False, f"rejected: minibatch sum {candidate:g} is not above {incumbent:g} on tasks {names}"


_POLICY_CLASSES: dict[str, type[PairedSignificance | StrictImprovement | MinibatchSum]] = {
    "paired": PairedSignificance,
    "strict": StrictImprovement,
    "minibatch-sum": MinibatchSum,
}


def make_policy(name: str) -> AcceptancePolicy:
    """The policy called `name`. Raises ValueError naming the known policies for any other name."""
    try:
        return _POLICY_CLASSES[name]()
    except KeyError:
        raise ValueError(f"unknown gate policy {name!r}; known policies: {', '.join(POLICIES)}") from None


def newly_failing(outcomes: Sequence[TaskOutcome]) -> list[str]:
    """Ids of tasks the incumbent resolved (1.0) in every repeat and the candidate in none, sorted."""
    return sorted(
        o.task_id
        for o in outcomes
        if all(score >= 1.0 for score in o.incumbent) and not any(score >= 1.0 for score in o.candidate)
    )


def judge(
    outcomes: Sequence[TaskOutcome],
    *,
    settings: GateSettings,
    candidate_tokens: int,
    incumbent_tokens: int,
    tokens: int = 0,
    cost_usd: float = 0.0,
    deterministic: bool = False,
) -> GateVerdict:
    """Decide on already-measured paired outcomes with `settings.policy`; pure, never raises on data.

    Rejects a candidate over `settings.size_cap_tokens` whatever the outcomes, and rejects
    empty outcomes with "no task was measured on both sides". With `deterministic`, only the
    first repeat of each side is counted, for the policy and for the statistics alike. The
    statistics are the same for every policy; `p_value` is reported by `paired` only.
    Raises ValueError only for an unknown policy name (impossible through `GateSettings`).
    """
    policy = make_policy(settings.policy)
    notes: list[str] = []
    counted = list(outcomes)
    if deterministic:
        counted = [
            TaskOutcome(task_id=o.task_id, candidate=o.candidate[:1], incumbent=o.incumbent[:1])
            for o in outcomes
        ]
        notes.append(_DETERMINISTIC_NOTE)

    if candidate_tokens > settings.size_cap_tokens:
        accepted = False
        reason = f"rejected: {candidate_tokens:,} tokens is over the {settings.size_cap_tokens:,}-token cap"
    else:
        accepted, reason = policy.decide(counted, settings=settings)

    differences = [o.candidate_rate - o.incumbent_rate for o in counted]
    if counted:
        interval = bootstrap_paired_difference(
            [o.candidate_rate for o in counted],
            [o.incumbent_rate for o in counted],
            confidence=1 - 2 * settings.alpha,
            seed=settings.seed,
        )
        ci_low, ci_high = interval.low, interval.high
    else:
        ci_low = ci_high = 0.0
    return GateVerdict(
        accepted=accepted,
        policy=policy.name,
        reason=reason,
        tasks=counted,
        candidate_rate=_mean([o.candidate_rate for o in counted]),
        incumbent_rate=_mean([o.incumbent_rate for o in counted]),
        difference=_mean(differences),
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=policy.p_value(counted, settings=settings),
        newly_failing=newly_failing(counted),
        candidate_tokens=candidate_tokens,
        incumbent_tokens=incumbent_tokens,
        size_cap_tokens=settings.size_cap_tokens,
        tokens=tokens,
        cost_usd=cost_usd,
        repeats=settings.repeats,
        deterministic=deterministic,
        notes=notes,
    )


class Measure(Protocol):
    """Runs one side of a comparison: `repeats` rollouts per task with `context`.

    `label` names the side and round (e.g. "s3-candidate") so its episodes can be found in the
    store. Infra errors are left out of the returned outcomes, never scored as failures; a
    task whose every repeat was an infra error has no outcome (absent or an empty list).
    """

    def __call__(
        self, context: AgentContext, tasks: Sequence[Task], *, repeats: int, label: str
    ) -> Measurement: ...


class Gate:
    """Measures a candidate against the incumbent in the same round and judges the pair."""

    def __init__(self, measure: Measure, settings: GateSettings | None = None) -> None:
        self.measure = measure
        self.settings = settings if settings is not None else GateSettings()

    def compare(
        self,
        candidate: AgentContext,
        incumbent: AgentContext,
        tasks: Sequence[Task],
        *,
        label: str,
        candidate_tokens: int,
        incumbent_tokens: int,
    ) -> GateVerdict:
        """Measure the incumbent then the candidate on `tasks`, pair them by task, and `judge`.

        Rollouts are labelled f"{label}-incumbent" and f"{label}-candidate". Only tasks with
        outcomes on both sides are paired, in the order of `tasks`; each one left out is named
        in the notes. Repeats count once when both sides report `deterministic`. A candidate
        over the size cap is rejected without measuring either side: no rollout is spent.
        Exceptions from `measure` (systemic failures) propagate.
        """
        settings = self.settings
        if candidate_tokens > settings.size_cap_tokens:
            verdict = judge(
                [], settings=settings, candidate_tokens=candidate_tokens, incumbent_tokens=incumbent_tokens
            )
            return verdict.model_copy(update={"reason": f"{verdict.reason}; no rollouts were spent"})

        measured_incumbent = self.measure(
            incumbent, tasks, repeats=settings.repeats, label=f"{label}-incumbent"
        )
        measured_candidate = self.measure(
            candidate, tasks, repeats=settings.repeats, label=f"{label}-candidate"
        )
        outcomes: list[TaskOutcome] = []
        left_out: list[str] = []
        for task in tasks:
            ours = measured_candidate.outcomes.get(task.id, [])
            theirs = measured_incumbent.outcomes.get(task.id, [])
            if ours and theirs:
                outcomes.append(TaskOutcome(task_id=task.id, candidate=ours, incumbent=theirs))
                continue
            missing = [side for side, scores in (("candidate", ours), ("incumbent", theirs)) if not scores]
            sides = "either side" if len(missing) == 2 else f"the {missing[0]} side"
            left_out.append(f"left out task {task.id}: no outcome on {sides} (every repeat an infra error)")
        verdict = judge(
            outcomes,
            settings=settings,
            candidate_tokens=candidate_tokens,
            incumbent_tokens=incumbent_tokens,
            tokens=measured_incumbent.tokens + measured_candidate.tokens,
            cost_usd=measured_incumbent.cost_usd + measured_candidate.cost_usd,
            deterministic=measured_incumbent.deterministic and measured_candidate.deterministic,
        )
        return verdict.model_copy(update={"notes": [*verdict.notes, *left_out]})


def _resolved(scores: Sequence[float]) -> int:
    return sum(score >= 1.0 for score in scores)


def _task_law(repeats_candidate: int, repeats_incumbent: int, resolved: int) -> dict[float, float]:
    """The null law of one task's resolve-rate difference, given how many of its rollouts resolved."""
    law = stats.hypergeom(repeats_candidate + repeats_incumbent, resolved, repeats_candidate)
    values: dict[float, float] = {}
    for x in range(max(0, resolved - repeats_incumbent), min(resolved, repeats_candidate) + 1):
        difference = round(x / repeats_candidate - (resolved - x) / repeats_incumbent, _DIGITS)
        values[difference] = values.get(difference, 0.0) + float(law.pmf(x))
    return values


def _convolve(first: dict[float, float], second: dict[float, float]) -> dict[float, float]:
    """The law of the sum of two independent discrete variables given as value -> chance."""
    total: dict[float, float] = {}
    for a, p in first.items():
        for b, q in second.items():
            value = round(a + b, _DIGITS)
            total[value] = total.get(value, 0.0) + p * q
    return total


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values) if values else 0.0
