"""The gate: which candidates each policy adopts, the evidence a verdict carries, and how
`Gate.compare` measures both sides in the same round."""

import random

import pytest

from fixloop.agents.context import AgentContext
from fixloop.improve.gate import (
    POLICIES,
    Gate,
    GateSettings,
    GateVerdict,
    Measurement,
    MinibatchSum,
    TaskOutcome,
    judge,
    make_policy,
)
from fixloop.tasks.task import Task


def outcome(task_id: str, candidate: list[float], incumbent: list[float]) -> TaskOutcome:
    return TaskOutcome(task_id=task_id, candidate=candidate, incumbent=incumbent)


def decide(outcomes: list[TaskOutcome], policy: str = "paired", **settings) -> GateVerdict:
    return judge(
        outcomes,
        settings=GateSettings(policy=policy, **settings),
        candidate_tokens=100,
        incumbent_tokens=100,
    )


def gain_on(gained: int, unchanged: int) -> list[TaskOutcome]:
    """`gained` tasks the candidate resolves and the incumbent does not; `unchanged` both miss."""
    return [outcome(f"g{i}", [1.0, 1.0], [0.0, 0.0]) for i in range(gained)] + [
        outcome(f"u{i}", [0.0, 0.0], [0.0, 0.0]) for i in range(unchanged)
    ]


def task(task_id: str) -> Task:
    return Task(
        id=task_id,
        title="A bug.",
        description="It fails.",
        files={"a.py": "x = 1\n"},
        reference_fix={"a.py": "x = 2\n"},
    )


class FakeMeasure:
    """Returns canned outcomes per label suffix and records every call."""

    def __init__(self, candidate: Measurement, incumbent: Measurement) -> None:
        self.by_side = {"candidate": candidate, "incumbent": incumbent}
        self.calls: list[tuple[str, list[str], int]] = []

    def __call__(self, context, tasks, *, repeats, label):
        self.calls.append((label, [t.id for t in tasks], repeats))
        return self.by_side[label.rsplit("-", 1)[1]]


def test_paired_accepts_a_consistent_gain_across_many_tasks():
    verdict = decide(gain_on(6, 4))

    assert verdict.accepted
    assert verdict.p_value is not None and verdict.p_value < 0.1
    assert verdict.reason.startswith("accepted: +0.60 resolve rate, one-sided p = ")
    assert verdict.difference == pytest.approx(0.6)
    assert verdict.ci_low > 0


def test_paired_rejects_a_gain_on_one_task_out_of_many():
    # Only the gained task's four rollouts carry information: given two of them resolved, the
    # chance that both fell to the candidate is 1/6.
    verdict = decide(gain_on(1, 9))

    assert not verdict.accepted
    assert verdict.p_value == pytest.approx(1 / 6)
    assert verdict.reason == "rejected: p = 0.167 >= 0.1"


def test_paired_rejects_all_ties_saying_there_is_no_difference():
    ties = [outcome("a", [1.0, 0.0], [0.0, 1.0]), outcome("b", [1.0, 1.0], [1.0, 1.0])]

    verdict = decide(ties)

    assert not verdict.accepted
    assert verdict.reason == "rejected: no difference on any task"
    # Task a's split (one resolved rollout each) is as likely as not under the null: P(sum >= 0) = 5/6.
    assert verdict.p_value == pytest.approx(5 / 6)


def test_paired_rejects_losing_a_task_the_incumbent_always_resolved_despite_a_significant_gain():
    lost = outcome("lost", [0.0, 0.0], [1.0, 1.0])
    outcomes = [*gain_on(10, 0), lost]

    verdict = decide(outcomes)

    assert verdict.p_value is not None and verdict.p_value < 0.01
    assert not verdict.accepted
    assert verdict.newly_failing == ["lost"]
    assert verdict.reason == "rejected: lost task lost that the incumbent resolved in every repeat"


def test_a_task_the_candidate_resolves_once_is_not_newly_failing():
    outcomes = [*gain_on(10, 0), outcome("flaky", [1.0, 0.0], [1.0, 1.0])]

    verdict = decide(outcomes)

    assert verdict.newly_failing == []
    assert verdict.accepted


def test_deterministic_repeats_count_each_task_once():
    # Three tasks, each gained in 4 identical repeats. Counted as 12 independent samples the
    # gain looks certain; three tasks can give no one-sided p below 1/8.
    as_independent = [outcome(f"t{t}-r{r}", [1.0], [0.0]) for t in range(3) for r in range(4)]
    repeated = [outcome(f"t{t}", [1.0] * 4, [0.0] * 4) for t in range(3)]

    naive = decide(as_independent)
    verdict = judge(
        repeated, settings=GateSettings(repeats=4), candidate_tokens=1, incumbent_tokens=1, deterministic=True
    )

    assert naive.accepted
    assert not verdict.accepted
    assert verdict.p_value == pytest.approx(0.125)
    assert [len(o.candidate) for o in verdict.tasks] == [1, 1, 1]
    assert verdict.deterministic
    assert any("repeats are not independent samples" in note for note in verdict.notes)


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_rejects_a_candidate_over_the_size_cap(policy):
    verdict = judge(
        gain_on(10, 0),
        settings=GateSettings(policy=policy),
        candidate_tokens=1720,
        incumbent_tokens=900,
    )

    assert not verdict.accepted
    assert verdict.reason == "rejected: 1,720 tokens is over the 1,500-token cap"


def test_compare_rejects_an_oversized_candidate_without_measuring():
    measure = FakeMeasure(Measurement(outcomes={}), Measurement(outcomes={}))

    verdict = Gate(measure).compare(
        AgentContext(skill="big"),
        AgentContext(),
        [task("a")],
        label="s1",
        candidate_tokens=1501,
        incumbent_tokens=10,
    )

    assert measure.calls == []
    assert not verdict.accepted
    assert verdict.reason == "rejected: 1,501 tokens is over the 1,500-token cap; no rollouts were spent"
    assert verdict.tokens == 0


def test_strict_accepts_any_higher_first_rollout_mean_that_paired_rejects():
    outcomes = [outcome("a", [1.0, 0.0], [0.0, 1.0]), *gain_on(0, 5)]

    strict = decide(outcomes, policy="strict")
    paired = decide(outcomes, policy="paired")

    assert strict.accepted
    assert strict.p_value is None
    assert strict.reason == "accepted: first-rollout mean 0.17 > 0.00"
    assert not paired.accepted


def test_strict_rejects_an_equal_first_rollout_mean():
    verdict = decide([outcome("a", [1.0], [1.0]), outcome("b", [0.0], [0.0])], policy="strict")

    assert not verdict.accepted


def test_minibatch_sum_compares_exactly_minibatch_tasks():
    # Only the candidate's gains on g0..g9 can be sampled; every sampled task counts one.
    outcomes = gain_on(10, 0)

    verdict = decide(outcomes, policy="minibatch-sum", minibatch=3)

    assert verdict.accepted
    assert verdict.p_value is None
    assert verdict.reason.startswith("accepted: minibatch sum 3 > 0 on tasks ")
    assert len(verdict.reason.split("on tasks ")[1].split(", ")) == 3


def test_minibatch_sample_is_reproducible_for_a_seed_and_changes_with_it():
    outcomes = gain_on(10, 10)
    policy = MinibatchSum()

    first = policy.sample(outcomes, settings=GateSettings(seed=1))
    again = policy.sample(outcomes, settings=GateSettings(seed=1))
    samples = {tuple(policy.sample(outcomes, settings=GateSettings(seed=seed))) for seed in range(5)}

    assert first == again
    assert len(first) == 3
    assert len(samples) > 1


def test_minibatch_takes_every_task_when_there_are_fewer_than_minibatch():
    outcomes = gain_on(1, 1)

    assert MinibatchSum().sample(outcomes, settings=GateSettings(minibatch=3)) == ["g0", "u0"]


def test_make_policy_names_the_known_policies_for_an_unknown_one():
    with pytest.raises(ValueError, match="paired, strict, minibatch-sum"):
        make_policy("greedy")


def test_empty_outcomes_are_a_rejection_not_an_error():
    for policy in POLICIES:
        verdict = decide([], policy=policy)

        assert not verdict.accepted
        assert verdict.reason == "rejected: no task was measured on both sides"


def test_compare_measures_incumbent_then_candidate_and_pairs_by_task():
    tasks = [task("a"), task("b"), task("c")]
    measure = FakeMeasure(
        candidate=Measurement(outcomes={"a": [1.0, 1.0], "b": [], "c": [1.0, 0.0]}, tokens=300, cost_usd=0.5),
        incumbent=Measurement(outcomes={"a": [0.0, 0.0], "b": [1.0, 0.0], "c": [0.0, 0.0]}, tokens=200),
    )

    verdict = Gate(measure, GateSettings(repeats=2)).compare(
        AgentContext(skill="new rule"),
        AgentContext(),
        tasks,
        label="s3",
        candidate_tokens=50,
        incumbent_tokens=40,
    )

    assert measure.calls == [("s3-incumbent", ["a", "b", "c"], 2), ("s3-candidate", ["a", "b", "c"], 2)]
    assert [o.task_id for o in verdict.tasks] == ["a", "c"]
    assert verdict.tasks[1] == outcome("c", [1.0, 0.0], [0.0, 0.0])
    assert "left out task b: no outcome on the candidate side (every repeat an infra error)" in verdict.notes
    assert verdict.tokens == 500
    assert verdict.cost_usd == 0.5
    assert (verdict.candidate_tokens, verdict.incumbent_tokens) == (50, 40)


def test_paired_p_is_the_exact_conditional_tail_over_tasks():
    # Two tasks, each 2 of 4 rollouts resolved, both by the candidate: (1/6)^2 is the only sum
    # as large as that.
    verdict = decide([outcome("a", [1.0, 1.0], [0.0, 0.0]), outcome("b", [1.0, 1.0], [0.0, 0.0])])

    assert verdict.p_value == pytest.approx(1 / 36)


def test_paired_counts_repeats_as_samples_of_their_task():
    # The same per-task rates with more rollouts behind them are stronger evidence.
    two = [outcome(f"t{i}", [1.0, 0.0], [0.0, 0.0]) for i in range(6)]
    four = [outcome(f"t{i}", [1.0, 0.0, 1.0, 0.0], [0.0] * 4) for i in range(6)]

    assert decide(four).p_value < decide(two).p_value


def test_paired_handles_unequal_repeats_after_infra_errors():
    verdict = decide([outcome("a", [1.0, 1.0], [0.0]), outcome("b", [1.0], [0.0, 0.0])])

    # a: 2 of 3 resolved, both the candidate's (1/3); b: 1 of 3, the candidate's (1/3).
    assert verdict.p_value == pytest.approx(1 / 9)


def test_a_verdict_round_trips_through_json():
    verdict = decide([*gain_on(4, 2), outcome("lost", [0.0, 0.0], [1.0, 1.0])])

    assert GateVerdict.model_validate_json(verdict.model_dump_json()) == verdict


def test_paired_accepts_at_most_alpha_of_aa_comparisons():
    # Both sides drawn from the same per-task resolve probabilities: every acceptance is noise.
    alpha = 0.1
    settings = GateSettings(alpha=alpha, repeats=2)
    accepted = 0
    trials = 500
    for seed in range(trials):
        rng = random.Random(seed)
        outcomes = []
        for index in range(8):
            p = rng.random()
            outcomes.append(
                outcome(
                    f"t{index}",
                    [float(rng.random() < p) for _ in range(2)],
                    [float(rng.random() < p) for _ in range(2)],
                )
            )
        verdict = judge(outcomes, settings=settings, candidate_tokens=1, incumbent_tokens=1)
        accepted += verdict.accepted

    assert accepted / trials <= alpha
