"""`GEPATraining`: `fixloop train --optimizer gepa` — GEPA's search over skills, fixloop's bookkeeping.

The same contract as the native `SkillTrainer`, with GEPA deciding what to try and keep:

- **Splits.** GEPA's trainset is the train split (its reflection minibatches of
  `gepa_minibatch` tasks), its valset the selection split (the Pareto front and the best
  candidate); the test split is played once at the end by the starting and the final skill
  (`held_out_comparison`, the native trainer's), and nothing from it reaches GEPA.
- **Budgets.** `max_rollouts` is required. GEPA checks its metric-call budget only between
  iterations, so it gets what is left after the final test and one iteration's worst case
  (two minibatches and the whole valset); `max_usd` and `max_tokens` are enforced before
  each call as everywhere, and a budget that runs out mid-iteration stops the training
  cleanly (status "stopped", no test), as the native trainer does.
- **The ledger.** Every GEPA proposal is one `LedgerEntry` (seq = GEPA's iteration): the
  parent and the proposed skill, the reflector's proposals and edits, and GEPA's own
  verdict in `adopted` and `reason`. That verdict is GEPA's minibatch rule — the proposed
  skill's summed grade score on the iteration's few training tasks strictly above its
  parent's — **not fixloop's gate**: no repeats, no significance, no check on held-out
  tasks, so `gated` is False and `verdict` None. An accepted candidate joins GEPA's pool;
  the final skill is the pool's best mean score on the selection split.
- **Resume.** GEPA's state lives in `gepa_run_dir` and every episode in the store, so a
  stopped or killed training resumes with `--resume`: GEPA reloads its state (re-running
  the seed on the valset first, which is read back from the store at no cost), evaluations
  it already ran are read back, and the ledger keeps the first entry of each seq.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from fixloop.improve.ledger import Ledger, LedgerEntry
from fixloop.improve.skills.skill import Skill
from fixloop.improve.skills.skill_reflector import SkillReflector, TemplateSkillReflector
from fixloop.improve.skills.trainer import StepSummary, TrainingResult, held_out_comparison
from fixloop.improve.skills.training_settings import TrainingSettings
from fixloop.improve.training_rollouts import TrainingBudget, TrainingRollouts, TrainingStopped
from fixloop.integrations.gepa import MISSING_GEPA, SKILL, EpisodeOutput, FixloopGEPAAdapter, TaskLoader
from fixloop.rollout.run_session import RunProgress, is_simulated
from fixloop.store import Store
from fixloop.tasks.splits import TaskSplits

try:
    import gepa
    from gepa.core.state import GEPAState
    from gepa.proposer.base import CandidateProposal
    from gepa.strategies.acceptance import StrictImprovementAcceptance
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(MISSING_GEPA) from exc

DEFAULT_RUN_ROOT = Path(".fixloop") / "gepa"
"""Where GEPA's run directories go by default: `.fixloop/gepa/TRAINING`."""


def default_run_dir(training: str) -> str:
    """The absolute GEPA run directory of `training` under the current directory."""
    return str((Path.cwd() / DEFAULT_RUN_ROOT / training.replace("/", "_")).resolve())


class GEPATraining:
    """Runs (or resumes) one stored training with GEPA; see the module docstring.

    GEPA's state directory is `settings.gepa_run_dir` (default `default_run_dir(name)`). `reflector`
    (default: the template) proposes the skill edits; `on_phase`, `on_episode` and `stop`
    work as for `SkillTrainer`. Raises ValueError when the settings name no rollout budget
    or one too small for a single GEPA iteration and the final test.
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
        stop: threading.Event | None = None,
        on_phase: Callable[[str], None] | None = None,
        on_episode: Callable[[str, RunProgress], None] | None = None,
    ) -> None:
        if settings.max_rollouts is None:
            raise ValueError("GEPA stops on a rollout budget: give max_rollouts (--max-rollouts)")
        self.store = store
        self.name = name
        self.settings = settings
        self.splits = splits
        self.run_dir = settings.gepa_run_dir or default_run_dir(name)
        self.on_phase = on_phase or (lambda _: None)
        self.simulated = is_simulated(settings.rollout.model)
        self.ledger = Ledger(store, name)
        rollouts = TrainingRollouts(
            store, name, settings.rollout, seed=settings.seed,
            budget=TrainingBudget(settings.max_usd, settings.max_tokens, settings.max_rollouts),
            api_key=api_key, stop=stop, extra_spent=lambda: self.adapter.reflection_spent,
            on_episode=on_episode,
        )  # fmt: skip
        self.adapter = FixloopGEPAAdapter(
            rollouts, reflector=reflector or TemplateSkillReflector(), max_edits=settings.lr,
            add_only=settings.add_only, on_phase=self.on_phase,
        )  # fmt: skip
        self.max_metric_calls = settings.max_rollouts - self.test_rollouts() - self.worst_iteration()
        if self.max_metric_calls <= len(splits.selection):
            raise ValueError(
                f"--max-rollouts {settings.max_rollouts} leaves GEPA {self.max_metric_calls} rollouts: it "
                f"needs more than {len(splits.selection)} (the seed on the selection split) after "
                f"{self.test_rollouts()} for the final test and {self.worst_iteration()} for one iteration"
            )

    def test_rollouts(self) -> int:
        """Rollouts the final comparison needs: both skills on every test task, `test_repeats` each."""
        return 2 * len(self.splits.test) * self.settings.test_repeats if self.settings.final_test else 0

    def worst_iteration(self) -> int:
        """The most one GEPA iteration can run: parent and child minibatches and the whole valset."""
        return 2 * self.settings.gepa_minibatch + len(self.splits.selection)

    def run(self) -> TrainingResult:
        """Optimize with GEPA, evaluate on the test split, record the result, and return it.

        Stops cleanly (status "stopped", no test) when a budget runs out mid-iteration or
        `stop` is set. Raises StoreError when the store fails, InfrastructureFailure when
        every episode of an evaluation failed for infrastructure reasons.
        """
        initial = Skill.parse(self.settings.initial_skill)
        self._record(initial, parent=None)
        status: Literal["finished", "stopped"] = "finished"
        stop_reason, test, final = None, None, initial
        os.makedirs(self.run_dir, exist_ok=True)
        try:
            self.on_phase(f"gepa: up to {self.max_metric_calls} rollouts, state in {self.run_dir}")
            result = gepa.optimize(
                seed_candidate={SKILL: initial.markdown()},
                trainset=TaskLoader(self.splits.train), valset=TaskLoader(self.splits.selection),
                adapter=self.adapter, reflection_minibatch_size=self.settings.gepa_minibatch,
                max_metric_calls=self.max_metric_calls, run_dir=self.run_dir, seed=self.settings.seed,
                acceptance_criterion=LedgeredAcceptance(self), cache_evaluation=False,
                raise_on_exception=True, display_progress_bar=False, logger=RunLog(self.run_dir),
            )  # fmt: skip
            final = self.adapter.skill_of(result.candidates[result.best_idx][SKILL])
            self._record(final, parent=None)
            if self.settings.final_test:
                self.on_phase(f"test: starting and final skill on {len(self.splits.test)} held-out tasks")
                test = held_out_comparison(
                    self.adapter.rollouts, self.adapter.context({SKILL: initial.markdown()}),
                    self.adapter.context({SKILL: final.markdown()}), self.splits.test,
                    baseline_skill=initial.version_id, final_skill=final.version_id,
                    repeats=self.settings.test_repeats, seed=self.settings.seed,
                )  # fmt: skip
        except TrainingStopped as stopped:
            status, stop_reason = "stopped", stopped.reason
            final = self._best_so_far(initial)
        spent = self.adapter.rollouts.spent()
        outcome = TrainingResult(
            training=self.name, simulated=self.simulated, status=status, stop_reason=stop_reason,
            initial_skill=initial.version_id, final_skill=final.version_id, final_tokens=final.tokens,
            steps=self._summaries(), test=test, rollouts=spent.rollouts, tokens=spent.tokens,
            cost_usd=round(spent.cost_usd, 6), optimizer="gepa",
        )  # fmt: skip
        self.store.finish_training(self.name, status=status, result=outcome.model_dump(mode="json"))
        return outcome

    def record_proposal(
        self, proposal: CandidateProposal[Any], state: GEPAState[Any, Any], accepted: bool
    ) -> None:
        """Write GEPA's proposal and its minibatch verdict to the ledger (once per iteration)."""
        parent = self.adapter.skill_of(state.program_candidates[proposal.parent_program_ids[0]][SKILL])
        child = self.adapter.skill_of(proposal.candidate[SKILL])
        made = self.adapter.proposals.get(proposal.candidate[SKILL])
        before = list(proposal.subsample_scores_before or [])
        after = list(proposal.subsample_scores_after or [])
        outputs_before = _outputs(proposal.eval_before)
        outputs_after = _outputs(proposal.eval_after)
        infra = sum(o.infra_error for o in outputs_before + outputs_after)
        verdict = "strictly greater: accepted into GEPA's pool" if accepted else "not greater: rejected"
        reason = (
            f"GEPA's minibatch rule, not fixloop's gate: summed grade score on {len(after)} training "
            f"tasks {sum(before):.2f} -> {sum(after):.2f}, {verdict}"
            + (f" ({infra} infra errors scored 0 by GEPA's contract)" if infra else "")
        )
        self._record(parent, parent=None)
        self._record(child, parent=parent.version_id)
        entry = LedgerEntry(
            seq=state.i, training=self.name, kind="step", epoch=0, step=state.i, simulated=self.simulated,
            parent=parent.version_id, candidate=child.version_id,
            evidence_run=outputs_before[0].citation.run if outputs_before else None,
            proposals=made.proposals if made else [], edit_budget=self.settings.lr,
            edits=made.edits if made else [], rejected_edits=made.rejected_edits if made else [],
            reflection_errors=made.errors if made else [], gated=False, verdict=None, adopted=accepted,
            reason=reason, proposing_tokens=made.tokens if made else 0,
            proposing_cost_usd=round(made.cost_usd, 6) if made else 0.0,
            evaluation_tokens=sum(o.tokens for o in outputs_after),
            evaluation_cost_usd=round(sum(o.cost_usd for o in outputs_after), 6),
        )  # fmt: skip
        self.ledger.append(entry)
        if made is not None and not accepted:
            change = (sum(after) - sum(before)) / len(after) if after else None
            self.adapter.reject(made, change, reason)

    def _best_so_far(self, initial: Skill) -> Skill:
        """The pool's best candidate on the selection split in GEPA's saved state (the starting
        skill when GEPA saved none)."""
        if not os.path.exists(os.path.join(self.run_dir, "gepa_state.bin")):
            return initial
        state: GEPAState[Any, Any] = GEPAState.load(self.run_dir)
        scores = state.program_full_scores_val_set
        best = max(range(len(scores)), key=lambda index: (scores[index], -index))
        return self.adapter.skill_of(state.program_candidates[best][SKILL])

    def _summaries(self) -> list[StepSummary]:
        rows = []
        for entry in self.ledger.entries():
            version = entry.candidate if entry.adopted and entry.candidate else entry.parent
            tokens = Skill.model_validate(self.store.skill_version(version).content).tokens
            rows.append(
                StepSummary(
                    seq=entry.seq, kind=entry.kind, epoch=entry.epoch, step=entry.step,
                    proposed=len(entry.proposals), tried=len(entry.edits) - len(entry.rejected_edits),
                    adopted=entry.adopted, incumbent_rate=None, candidate_rate=None, p_value=None,
                    cost_usd=round(entry.proposing_cost_usd + entry.evaluation_cost_usd, 6),
                    skill_tokens=tokens, tokens=entry.proposing_tokens + entry.evaluation_tokens,
                    reason=entry.reason,
                )
            )  # fmt: skip
        return rows

    def _record(self, skill: Skill, *, parent: str | None) -> None:
        self.store.add_skill_version(
            skill.version_id, content=skill.model_dump(mode="json"), markdown=skill.markdown(),
            tokens=skill.tokens, parent=parent, training=self.name,
        )  # fmt: skip


class RunLog:
    """GEPA's logger, writing to `run_log.txt` in its run directory only: GEPA's own file logger
    tees stdout and stderr, which would mix its lines into `--json` output and the live display."""

    def __init__(self, run_dir: str) -> None:
        self.path = Path(run_dir) / "run_log.txt"

    def log(self, message: str) -> None:
        """Append one message."""
        with self.path.open("a", encoding="utf-8") as file:
            file.write(message + "\n")


class LedgeredAcceptance:
    """GEPA's default acceptance criterion (strict improvement of the minibatch sum), with
    every verdict written to the training's ledger. GEPA judges each proposal once."""

    def __init__(self, training: GEPATraining) -> None:
        self.training = training
        self.rule = StrictImprovementAcceptance()

    def should_accept(self, proposal: CandidateProposal[Any], state: GEPAState[Any, Any]) -> bool:
        """GEPA's verdict on `proposal`, recorded in the ledger."""
        accepted = self.rule.should_accept(proposal, state)
        self.training.record_proposal(proposal, state, accepted)
        return accepted


def _outputs(evaluation: Any) -> list[EpisodeOutput]:
    """The adapter's outputs of a proposal's subsample evaluation (none when GEPA kept none)."""
    if evaluation is None:
        return []
    return [output for output in evaluation.outputs if isinstance(output, EpisodeOutput)]
