"""A stored skill training as the report's "Training" section shows it.

`training_view(store, name)` reads what the trainer stored (its result, its ledger and the
final skill version) and turns it into a `TrainingView`: the selection score the gate measured
at each ledger entry (incumbent against candidate, adopted entries marked), every proposal
with the edits tried and the gate's verdict, the skill's size after each decision, the final
skill's rules with their provenance, and the held-out test comparison with its significance.

A simulated training is labelled `SIMULATED_LABEL` wherever it appears: in the section, in its
charts, and in the JSON the report embeds (`TrainingView.summary`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from fixloop.improve.ledger import Ledger, LedgerEntry
from fixloop.improve.skills.edits import describe_edit
from fixloop.improve.skills.skill import Rule, Skill
from fixloop.improve.skills.trainer import TestComparison, TrainingResult
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.improve.training_rollouts import RUN_SEPARATOR
from fixloop.report import charts
from fixloop.store import Store

SIMULATED_LABEL = "simulated: not a model's performance"
"""How a simulated training is labelled in the section, its charts and the embedded JSON."""

SIGNIFICANCE = 0.05
"""The test comparison is called significant when McNemar's p is below this."""

TEST_LABELS = ("test-baseline", "test-final")
"""The labels of a training's two held-out runs: the starting and the final skill on the test split."""

MAX_EPISODES_SHOWN = 6
"""A rule's evidence episodes are listed up to this many, then counted."""


@dataclass(frozen=True)
class ProposalView:
    """One ledger entry: what was proposed and tried, and what the gate made of it."""

    seq: int
    kind: str
    label: str
    epoch: int
    step: int | None
    tried: list[str]
    not_applied: list[str]
    adopted: bool
    gated: bool
    incumbent_rate: float | None
    candidate_rate: float | None
    p_value: float | None
    reason: str
    skill_tokens: int
    tokens: int
    cost_usd: float


@dataclass(frozen=True)
class RuleView:
    """One rule of the final skill with where it came from."""

    rule_id: str
    section: str
    text: str
    origin: str
    step: int | None
    episodes: list[str]
    more_episodes: int
    evidence: str | None


@dataclass(frozen=True)
class TrainingView:
    """A stored training, ready to render; build it with `training_view`."""

    name: str
    simulated: bool
    status: str
    stop_reason: str | None
    model: str | None
    epochs: int
    gate_policy: str
    initial_skill: str
    initial_tokens: int
    final_skill: str
    final_tokens: int
    rollouts: int
    tokens: int
    cost_usd: float
    proposals: list[ProposalView]
    rules: list[RuleView]
    final_markdown: str
    test: TestComparison | None
    test_runs: tuple[str, str]
    selection_figure: go.Figure
    size_figure: go.Figure

    @property
    def adopted(self) -> int:
        """How many proposals were adopted."""
        return sum(1 for p in self.proposals if p.adopted)

    @property
    def significant(self) -> bool | None:
        """Whether the test split shows a significant difference (p < SIGNIFICANCE); None without a test."""
        return None if self.test is None else self.test.p_value < SIGNIFICANCE

    def summary(self) -> dict[str, Any]:
        """The training as plain JSON: what the report embeds next to its charts."""
        return {
            "training": self.name,
            "simulated": self.simulated,
            "label": SIMULATED_LABEL if self.simulated else None,
            "status": self.status,
            "final_skill": self.final_skill,
            "proposals": [
                {
                    "seq": p.seq,
                    "label": p.label,
                    "adopted": p.adopted,
                    "incumbent_rate": p.incumbent_rate,
                    "candidate_rate": p.candidate_rate,
                    "p_value": p.p_value,
                    "skill_tokens": p.skill_tokens,
                }
                for p in self.proposals
            ],
            "test": None
            if self.test is None
            else {**self.test.model_dump(mode="json"), "significant": self.significant},
        }


def held_out_runs(training: str) -> tuple[str, str]:
    """The stored runs of the training's test comparison: (baseline, final)."""
    baseline, final = (f"{training}{RUN_SEPARATOR}{label}" for label in TEST_LABELS)
    return baseline, final


def training_view(store: Store, name: str) -> TrainingView:
    """The training called `name` as the report shows it.

    Raises StoreError when there is no such training or its skill versions are missing, and
    ValueError when it has no result yet (still running, or killed before it ended: resume it
    with `fixloop train --resume`).
    """
    info = store.get_training(name)
    if info.result is None:
        raise ValueError(
            f"training {name!r} has no result yet (status {info.status}): let it finish, or resume "
            "it with `fixloop train --resume`"
        )
    result = TrainingResult.model_validate(info.result)
    settings = TrainingSettings.model_validate(info.config)
    initial, final = _skill(store, result.initial_skill), _skill(store, result.final_skill)
    # The result is written when the training ends; entries a later --resume has added since
    # are not in it yet, and the section shows the training as its result describes it.
    sizes = {summary.seq: summary.skill_tokens for summary in result.steps}
    proposals = [
        _proposal_view(entry, sizes[entry.seq])
        for entry in Ledger(store, name).entries()
        if entry.seq in sizes
    ]
    simulated = info.simulated or result.simulated
    return TrainingView(
        name=name,
        simulated=simulated,
        status=result.status,
        stop_reason=result.stop_reason,
        model=settings.rollout.model,
        epochs=settings.epochs,
        gate_policy=settings.gate.policy,
        initial_skill=result.initial_skill,
        initial_tokens=initial.tokens,
        final_skill=result.final_skill,
        final_tokens=result.final_tokens,
        rollouts=result.rollouts,
        tokens=result.tokens,
        cost_usd=result.cost_usd,
        proposals=proposals,
        rules=[_rule_view(section, rule) for section, rule in final.rules()],
        final_markdown=final.markdown(),
        test=result.test,
        test_runs=held_out_runs(name),
        selection_figure=charts.selection_chart(
            [p.label for p in proposals],
            [p.incumbent_rate for p in proposals],
            [p.candidate_rate for p in proposals],
            [p.adopted for p in proposals],
            simulated=simulated,
        ),
        size_figure=charts.skill_size_chart(
            ["start", *(p.label for p in proposals)],
            [initial.tokens, *(p.skill_tokens for p in proposals)],
            size_cap=settings.gate.size_cap_tokens,
            simulated=simulated,
        ),
    )


def _proposal_view(entry: LedgerEntry, skill_tokens: int) -> ProposalView:
    verdict = entry.verdict
    return ProposalView(
        seq=entry.seq,
        kind=entry.kind,
        label=f"s{entry.step}" if entry.kind == "step" else f"e{entry.epoch} slow",
        epoch=entry.epoch,
        step=entry.step,
        tried=[describe_edit(edit) for edit in entry.edits] if entry.kind == "step" else list(entry.guidance),
        not_applied=[f"{describe_edit(r.edit)} ({r.reason})" for r in entry.rejected_edits],
        adopted=entry.adopted,
        gated=entry.gated,
        incumbent_rate=verdict.incumbent_rate if verdict else None,
        candidate_rate=verdict.candidate_rate if verdict else None,
        p_value=verdict.p_value if verdict else None,
        reason=entry.reason,
        skill_tokens=skill_tokens,
        tokens=entry.proposing_tokens + entry.evaluation_tokens,
        cost_usd=entry.proposing_cost_usd + entry.evaluation_cost_usd,
    )


def _rule_view(section: str, rule: Rule) -> RuleView:
    source = rule.provenance
    evidence = next((line for text in source.evidence for line in text.splitlines() if line.strip()), None)
    return RuleView(
        rule_id=rule.id,
        section=section,
        text=rule.text,
        origin=source.origin,
        step=source.step,
        episodes=[f"{e.task_id}#{e.episode_index}" for e in source.episodes[:MAX_EPISODES_SHOWN]],
        more_episodes=max(0, len(source.episodes) - MAX_EPISODES_SHOWN),
        evidence=evidence,
    )


def _skill(store: Store, version: str) -> Skill:
    return Skill.model_validate(store.skill_version(version).content)
