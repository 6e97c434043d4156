"""`SkillTrainer`: train a skill document over epochs, every adoption through the gate.

Each step of an epoch (the ReflACT loop of SkillOpt, made trustworthy):

1. the incumbent skill plays a batch of train tasks (run `TRAINING:s<step>-batch`);
2. the reflector reads the episodes in minibatches and proposes edits, seeing the edits the
   gate rejected earlier in the epoch; identical proposals are merged and ranked by how many
   episodes support them;
3. the top proposals, as many as the step's edit budget allows (`schedules.edit_budget`),
   are applied to make the candidate; an edit that cannot apply is rejected with its reason;
4. the gate compares the candidate with the re-measured incumbent on the selection split
   (`TRAINING:s<step>-candidate` / `-incumbent`), and the candidate is adopted only on its
   verdict; a rejected candidate's edits join the epoch's rejected buffer.

At each epoch's end the slow update compares the epoch's first and last skill on training
tasks and writes guidance into the protected section; the result is gated like any edit
(unless `slow_update_gate` is off). Every proposal is one ledger entry. `step_gate` and
`add_only` (see `TrainingSettings`) exist to emulate other methods' rules for comparison.

Only at the end is the test split touched: the starting and the final skill each play it
(`test-baseline`, `test-final`) and are compared with paired statistics. Nothing from the
test split reaches any decision.

**Resuming.** A training is a deterministic function of its settings and its stored runs.
`run` on a training that stopped replays it: steps whose ledger entry exists take their
decision from it, a phase's run that is partly stored runs only its missing episodes, and
the ledger refuses a seq it holds. A killed training therefore ends exactly as an
uninterrupted one (the template reflector is deterministic; an LLM reflector's replies for
the step in progress come from the response cache when it is on).
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable, Sequence
from typing import Literal

from pydantic import BaseModel, Field

from fixloop.agents.context import AgentContext
from fixloop.analysis.metrics import is_scored
from fixloop.analysis.statistics import paired_resolve_test
from fixloop.improve.gate import Gate, GateVerdict
from fixloop.improve.ledger import Ledger, LedgerEntry
from fixloop.improve.skills.edits import apply_edits
from fixloop.improve.skills.schedules import edit_budget
from fixloop.improve.skills.skill import EpisodeCitation, Provenance, Skill
from fixloop.improve.skills.skill_reflector import (
    RejectedProposal,
    SkillReflector,
    TemplateSkillReflector,
    TrainingEpisode,
    merge_proposals,
)
from fixloop.improve.skills.slow_update import SlowUpdateWriter, TemplateSlowUpdate, compare_epochs
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.improve.training_rollouts import (
    Spent,
    TrainingBudget,
    TrainingRollouts,
    TrainingStopped,
    derived_seed,
    measurement,
)
from fixloop.rollout.run_session import RunProgress, is_simulated
from fixloop.store import Store
from fixloop.tasks.splits import TaskSplits, parse_fractions, split_tasks
from fixloop.tasks.task import Task


class StepSummary(BaseModel):
    """One ledger entry as the summary table shows it."""

    seq: int
    kind: Literal["step", "slow_update"]
    epoch: int
    step: int | None
    proposed: int = Field(description="Merged proposals (or guidance lines for a slow update).")
    tried: int = Field(description="Edits applied to make the candidate.")
    adopted: bool
    incumbent_rate: float | None = Field(description="The incumbent's selection resolve rate this round.")
    candidate_rate: float | None
    p_value: float | None
    skill_tokens: int = Field(description="Size of the skill after the decision.")
    cost_usd: float
    tokens: int
    reason: str


class TestComparison(BaseModel):
    """The held-out test split: the starting skill against the final one, paired by (task, repeat)."""

    baseline_skill: str
    final_skill: str
    tasks: int
    repeats: int
    pairs: int = Field(description="(task, repeat) pairs scored on both sides.")
    baseline_rate: float
    final_rate: float
    difference: float = Field(description="Final minus baseline resolve rate.")
    ci_low: float
    ci_high: float
    final_only: int = Field(description="Pairs only the final skill resolved.")
    baseline_only: int
    p_value: float = Field(description="Exact McNemar test (two-sided) on the discordant pairs.")


class TrainingResult(BaseModel):
    """What a training produced. `simulated` results are never a model's real performance."""

    training: str
    simulated: bool
    status: Literal["finished", "stopped"]
    stop_reason: str | None = None
    initial_skill: str = Field(description="Version of the starting skill.")
    final_skill: str = Field(description="Version of the adopted skill at the end.")
    final_tokens: int
    steps: list[StepSummary]
    test: TestComparison | None = Field(
        description="None when the training stopped before the test or `final_test` was off."
    )
    optimizer: Literal["native", "gepa"] = Field(default="native", description="Which search produced it.")
    rollouts: int
    tokens: int
    cost_usd: float


def training_splits(settings: TrainingSettings, tasks: Sequence[Task]) -> TaskSplits:
    """The train / selection / test split the training's settings name, over `tasks`.

    Raises ValueError when a split the training needs is empty.
    """
    splits = split_tasks(
        tasks, seed=settings.rollout.split_seed, fractions=parse_fractions(settings.rollout.split_fractions)
    )
    for name in ("train", "selection", "test"):
        if not splits.split(name):  # type: ignore[arg-type]
            raise ValueError(
                f"the {name} split is empty; use more tasks or other --split-fractions "
                f"(now {settings.rollout.split_fractions})"
            )
    return splits


class SkillTrainer:
    """Runs (or resumes) one stored training; see the module docstring.

    `on_phase` is told what the training is doing ("s2: gate on 8 selection tasks") and
    `on_episode(run label, counts)` of each stored episode; `stop`,
    when set, ends the training after the current episode. `reflector` and `slow_writer`
    default to the templates; the caller builds LLM ones.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        settings: TrainingSettings,
        splits: TaskSplits,
        *,
        api_key: str | None = None,
        reflector: SkillReflector | None = None,
        slow_writer: SlowUpdateWriter | None = None,
        stop: threading.Event | None = None,
        on_phase: Callable[[str], None] | None = None,
        on_episode: Callable[[str, RunProgress], None] | None = None,
    ) -> None:
        self.store = store
        self.name = name
        self.settings = settings
        self.splits = splits
        self.reflector = reflector or TemplateSkillReflector()
        self.slow_writer = slow_writer or TemplateSlowUpdate()
        self.stop = stop or threading.Event()
        self.on_phase = on_phase or (lambda _: None)
        self.ledger = Ledger(store, name)
        self.simulated = is_simulated(settings.rollout.model)
        self._stored = {entry.seq: entry for entry in self.ledger.entries()}
        self._unledgered = Spent()
        self.budget = TrainingBudget(settings.max_usd, settings.max_tokens, settings.max_rollouts)
        self.rollouts = TrainingRollouts(
            store, name, settings.rollout, seed=settings.seed, budget=self.budget, api_key=api_key,
            stop=self.stop, extra_spent=self._proposing_spent, on_episode=on_episode,
        )  # fmt: skip
        self.gate = Gate(self.rollouts, settings.gate.model_copy(update={"seed": settings.seed}))

    # the loop

    def run(self) -> TrainingResult:
        """Train, evaluate on the test split, record the result, and return it.

        Stops cleanly (status "stopped", no test evaluation) when a budget would be exceeded
        or `stop` is set. Raises StoreError when the store fails, ModelError when the model
        cannot be built.
        """
        initial = Skill.parse(self.settings.initial_skill)
        self._record(initial, parent=None)
        incumbent, seq = initial, 0
        steps_per_epoch = math.ceil(len(self.splits.train) / self.settings.batch_size)
        total_steps = self.settings.epochs * steps_per_epoch
        status: Literal["finished", "stopped"] = "finished"
        stop_reason, test = None, None
        try:
            for epoch in range(self.settings.epochs):
                epoch_start, rejected = incumbent, list[RejectedProposal]()
                for index, batch in enumerate(self._batches(epoch, steps_per_epoch)):
                    step = epoch * steps_per_epoch + index
                    entry = self._stored.get(seq) or self._step(
                        seq, epoch, step, total_steps, incumbent, batch, rejected
                    )
                    incumbent = self._decide(entry, incumbent, rejected)
                    seq += 1
                if self.settings.slow_update:
                    entry = self._stored.get(seq) or self._slow_update(seq, epoch, epoch_start, incumbent)
                    incumbent = self._decide(entry, incumbent, rejected)
                    seq += 1
            test = self._test(initial, incumbent) if self.settings.final_test else None
        except TrainingStopped as stopped:
            status, stop_reason = "stopped", stopped.reason
        spent = self.rollouts.spent()
        result = TrainingResult(
            training=self.name, simulated=self.simulated, status=status, stop_reason=stop_reason,
            initial_skill=initial.version_id, final_skill=incumbent.version_id, final_tokens=incumbent.tokens,
            steps=self._summaries(initial), test=test, rollouts=spent.rollouts, tokens=spent.tokens,
            cost_usd=round(spent.cost_usd, 6),
        )  # fmt: skip
        self.store.finish_training(self.name, status=status, result=result.model_dump(mode="json"))
        return result

    def _step(
        self,
        seq: int,
        epoch: int,
        step: int,
        total_steps: int,
        incumbent: Skill,
        batch: list[Task],
        rejected: list[RejectedProposal],
    ) -> LedgerEntry:
        """Roll out the batch, reflect, apply the top proposals, gate, and record the entry."""
        label = f"s{step}"
        self.on_phase(f"{label}: {len(batch)} training rollouts")
        trajectories = self.rollouts.rollout(
            self._context(incumbent), batch, repeats=1, label=f"{label}-batch"
        )
        episodes = [
            TrainingEpisode(
                EpisodeCitation(
                    run=self.rollouts.run_name(f"{label}-batch"), task_id=task_id, episode_index=index
                ),
                trajectory,
            )
            for (task_id, index), trajectory in sorted(trajectories.items())
        ]
        self.on_phase(f"{label}: reflecting on {len(episodes)} episodes")
        proposals, errors = [], []
        size = self.settings.minibatch
        for start in range(0, len(episodes), size):
            self._check_budget(f"{label} reflection")
            reflection = self.reflector.propose(incumbent, episodes[start : start + size], rejected=rejected)
            self._unledgered = Spent(
                0,
                self._unledgered.tokens + reflection.tokens,
                self._unledgered.cost_usd + reflection.cost_usd,
            )
            proposals += reflection.proposals
            if reflection.error:
                errors.append(f"minibatch {start // size + 1}: {reflection.error}")
        ranked = merge_proposals(proposals)
        budget = edit_budget(
            step, total_steps, lr=self.settings.lr, min_lr=self.settings.min_lr, kind=self.settings.schedule
        )
        tried = ranked[:budget]
        provenance = [
            Provenance(
                origin="reflection", training=self.name, step=step, episodes=p.support, evidence=p.evidence
            )
            for p in tried
        ]
        outcome = apply_edits(incumbent, [p.edit for p in tried], provenance, add_only=self.settings.add_only)
        entry = LedgerEntry(
            seq=seq, training=self.name, kind="step", epoch=epoch, step=step, simulated=self.simulated,
            parent=incumbent.version_id, evidence_run=self.rollouts.run_name(f"{label}-batch"),
            proposals=ranked, edit_budget=budget, edits=[p.edit for p in tried],
            rejected_edits=outcome.rejected, reflection_errors=errors, adopted=False, reason="",
            proposing_tokens=self._unledgered.tokens, proposing_cost_usd=round(self._unledgered.cost_usd, 6),
        )  # fmt: skip
        if not outcome.applied:
            reason = "no proposal" if not tried else "no proposed edit could be applied"
            return self._append(entry.model_copy(update={"reason": reason}))
        self._record(outcome.skill, parent=incumbent.version_id)
        if not self.settings.step_gate:
            reason = "adopted without validation (step_gate off, ACE's curator)"
            candidate = outcome.skill.version_id
            update = {"candidate": candidate, "gated": False, "adopted": True, "reason": reason}
            return self._append(entry.model_copy(update=update))
        verdict = self._gate(outcome.skill, incumbent, label)
        return self._append(self._judged(entry, outcome.skill, verdict))

    def _slow_update(self, seq: int, epoch: int, previous: Skill, current: Skill) -> LedgerEntry:
        """Compare the epoch's first and last skill on training tasks and propose guidance."""
        entry = LedgerEntry(
            seq=seq, training=self.name, kind="slow_update", epoch=epoch, simulated=self.simulated,
            parent=current.version_id, adopted=False, reason="",
        )  # fmt: skip
        if previous.version_id == current.version_id:
            return self._append(entry.model_copy(update={"reason": "the skill did not change this epoch"}))
        label = f"e{epoch}-slow"
        tasks = self._slow_update_tasks(epoch)
        self.on_phase(f"{label}: previous and current skill on {len(tasks)} training tasks")
        before = self.rollouts(self._context(previous), tasks, repeats=1, label=f"{label}-previous")
        after_runs = self.rollouts.rollout(self._context(current), tasks, repeats=1, label=f"{label}-current")
        after = measurement(after_runs, repeats=1)
        comparisons = compare_epochs(before.outcomes, after.outcomes)
        current_episodes = [
            TrainingEpisode(
                EpisodeCitation(run=self.rollouts.run_name(f"{label}-current"), task_id=t, episode_index=i),
                trajectory,
            )
            for (t, i), trajectory in sorted(after_runs.items())
        ]
        self._check_budget(f"{label} guidance")
        guidance, error, tokens, cost = self.slow_writer.guidance(comparisons, current_episodes)
        entry = entry.model_copy(
            update={
                "comparisons": comparisons, "guidance": guidance,
                "reflection_errors": [error] if error else [], "proposing_tokens": tokens,
                "proposing_cost_usd": round(cost, 6),
                "evaluation_tokens": before.tokens + after.tokens,
                "evaluation_cost_usd": round(before.cost_usd + after.cost_usd, 6),
            }
        )  # fmt: skip
        if not guidance:
            return self._append(entry.model_copy(update={"reason": "no guidance: no failure to address"}))
        supporting = tuple(e.citation for e in current_episodes if e.failed)
        provenance = Provenance(origin="slow_update", training=self.name, step=None, episodes=supporting)
        candidate = current.with_slow_update(guidance, provenance)
        if candidate.version_id == current.version_id or candidate.slow_update == current.slow_update:
            return self._append(
                entry.model_copy(update={"reason": "the guidance is what the section already says"})
            )
        self._record(candidate, parent=current.version_id)
        if not self.settings.slow_update_gate:
            reason = "adopted without validation (--slow-update-gate off, SkillOpt's default)"
            return self._append(
                entry.model_copy(
                    update={
                        "candidate": candidate.version_id,
                        "gated": False,
                        "adopted": True,
                        "reason": reason,
                    }
                )
            )
        verdict = self._gate(candidate, current, label)
        return self._append(self._judged(entry, candidate, verdict))

    def _test(self, initial: Skill, final: Skill) -> TestComparison:
        """The one use of the test split: both skills, `test_repeats` rollouts per task, paired."""
        self.on_phase(f"test: starting and final skill on {len(self.splits.test)} held-out tasks")
        return held_out_comparison(
            self.rollouts, self._context(initial), self._context(final), self.splits.test,
            baseline_skill=initial.version_id, final_skill=final.version_id,
            repeats=self.settings.test_repeats, seed=self.settings.seed,
        )  # fmt: skip

    # pieces

    def _gate(self, candidate: Skill, incumbent: Skill, label: str) -> GateVerdict:
        self.on_phase(f"{label}: gate on {len(self.splits.selection)} selection tasks")
        return self.gate.compare(
            self._context(candidate), self._context(incumbent), self.splits.selection, label=label,
            candidate_tokens=candidate.tokens, incumbent_tokens=incumbent.tokens,
        )  # fmt: skip

    def _judged(self, entry: LedgerEntry, candidate: Skill, verdict: GateVerdict) -> LedgerEntry:
        return entry.model_copy(
            update={
                "candidate": candidate.version_id, "verdict": verdict, "adopted": verdict.accepted,
                "reason": verdict.reason, "evaluation_tokens": verdict.tokens,
                "evaluation_cost_usd": round(verdict.cost_usd, 6),
            }
        )  # fmt: skip

    def _append(self, entry: LedgerEntry) -> LedgerEntry:
        """Record the entry (once) and the training's progress; its proposing cost is now ledgered."""
        self.ledger.append(entry)
        self._stored[entry.seq] = entry
        self._unledgered = Spent()
        self.store.save_training_state(
            self.name,
            {"next_seq": entry.seq + 1, "incumbent": entry.candidate if entry.adopted else entry.parent},
        )
        return entry

    def _decide(self, entry: LedgerEntry, incumbent: Skill, rejected: list[RejectedProposal]) -> Skill:
        """The incumbent after `entry`; a rejected step's edits join the epoch's buffer."""
        if entry.adopted and entry.candidate:
            return self._skill(entry.candidate)
        if entry.kind == "step" and entry.candidate:
            change = entry.verdict.difference if entry.verdict else None
            rejected += [
                RejectedProposal(edit=edit, score_change=change, reason=entry.reason) for edit in entry.edits
            ]
        return incumbent

    def _batches(self, epoch: int, steps: int) -> list[list[Task]]:
        tasks = list(self.splits.train)
        random.Random(derived_seed(self.settings.seed, f"epoch{epoch}")).shuffle(tasks)
        size = self.settings.batch_size
        return [tasks[i * size : (i + 1) * size] for i in range(steps)]

    def _slow_update_tasks(self, epoch: int) -> list[Task]:
        tasks = list(self.splits.train)
        count = min(self.settings.slow_update_tasks, len(tasks))
        chosen = random.Random(derived_seed(self.settings.seed, f"slow{epoch}")).sample(tasks, count)
        return sorted(chosen, key=lambda task: task.id)

    def _context(self, skill: Skill) -> AgentContext:
        return AgentContext(skill=skill.markdown())

    def _record(self, skill: Skill, *, parent: str | None) -> None:
        self.store.add_skill_version(
            skill.version_id, content=skill.model_dump(mode="json"), markdown=skill.markdown(),
            tokens=skill.tokens, parent=parent, training=self.name,
        )  # fmt: skip

    def _skill(self, version: str) -> Skill:
        return Skill.model_validate(self.store.skill_version(version).content)

    def _proposing_spent(self) -> Spent:
        entries = self._stored.values()
        tokens = sum(e.proposing_tokens for e in entries) + self._unledgered.tokens
        cost = sum(e.proposing_cost_usd for e in entries) + self._unledgered.cost_usd
        return Spent(0, tokens, cost)

    def _check_budget(self, phase: str) -> None:
        if self.stop.is_set():
            raise TrainingStopped("interrupted: stopped after the current episode (resume with --resume)")
        self.budget.check(self.rollouts.spent(), 0, phase)

    def _summaries(self, initial: Skill) -> list[StepSummary]:
        rows, tokens = [], initial.tokens
        for entry in sorted(self._stored.values(), key=lambda e: e.seq):
            if entry.adopted and entry.candidate:
                tokens = Skill.model_validate(self.store.skill_version(entry.candidate).content).tokens
            verdict = entry.verdict
            rows.append(
                StepSummary(
                    seq=entry.seq, kind=entry.kind, epoch=entry.epoch, step=entry.step,
                    proposed=len(entry.proposals) if entry.kind == "step" else len(entry.guidance),
                    tried=len(entry.edits) - len(entry.rejected_edits) if entry.kind == "step"
                    else len(entry.guidance),
                    adopted=entry.adopted, incumbent_rate=verdict.incumbent_rate if verdict else None,
                    candidate_rate=verdict.candidate_rate if verdict else None,
                    p_value=verdict.p_value if verdict else None, skill_tokens=tokens,
                    cost_usd=round(entry.proposing_cost_usd + entry.evaluation_cost_usd, 6),
                    tokens=entry.proposing_tokens + entry.evaluation_tokens, reason=entry.reason,
                )
            )  # fmt: skip
        return rows


def held_out_comparison(
    rollouts: TrainingRollouts,
    baseline: AgentContext,
    final: AgentContext,
    tasks: Sequence[Task],
    *,
    baseline_skill: str,
    final_skill: str,
    repeats: int,
    seed: int,
) -> TestComparison:
    """Both contexts on the test split (`test-baseline`, `test-final`), `repeats` rollouts per
    task each, compared pair by pair (McNemar's exact test and a bootstrap interval).

    Every optimizer ends with this one comparison. Raises TrainingStopped when a budget stops
    it or no pair was scored on both sides.
    """
    baseline_runs = rollouts.rollout(baseline, tasks, repeats=repeats, label="test-baseline")
    final_runs = rollouts.rollout(final, tasks, repeats=repeats, label="test-final")
    keys = sorted(
        k
        for k in baseline_runs.keys() & final_runs.keys()
        if is_scored(baseline_runs[k]) and is_scored(final_runs[k])
    )
    if not keys:
        raise TrainingStopped("no test episode was scored on both sides (infrastructure errors)")
    final_resolved = [final_runs[k].outcome == "resolved" for k in keys]
    baseline_resolved = [baseline_runs[k].outcome == "resolved" for k in keys]
    paired = paired_resolve_test(final_resolved, baseline_resolved, seed=seed)
    return TestComparison(
        baseline_skill=baseline_skill, final_skill=final_skill, tasks=len(tasks),
        repeats=repeats, pairs=len(keys), baseline_rate=sum(baseline_resolved) / len(keys),
        final_rate=sum(final_resolved) / len(keys), difference=paired.difference.value,
        ci_low=paired.difference.low, ci_high=paired.difference.high, final_only=paired.a_only,
        baseline_only=paired.b_only, p_value=paired.p_value,
    )  # fmt: skip
