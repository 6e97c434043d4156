"""`FixloopGEPAAdapter`: GEPA optimizes fixloop's agent context on executable debugging tasks.

GEPA (gepa-ai/gepa, `pip install 'fixloop[gepa]'`) evolves named text components against a
metric through one seam, its `GEPAAdapter` protocol. Here a candidate is
`{"skill": markdown}` (optionally with `"base_prompt"`), a data item is a fixloop `Task`,
and the metric is the grade score of an episode of the LLM agent with that context:

- `evaluate(batch, candidate)` runs one episode per item through fixloop's own runner
  (`TrainingRollouts`: concurrency, sandbox, budgets, the response cache), each evaluation
  a stored run `TRAINING:gepa-<context>-<batch>-<n>`, so every episode can be diagnosed and
  reported like any run, and a resumed optimization reads back what it already ran. It
  returns one output and one score per item, in order, and never mutates its inputs.
- An item whose episode failed for infrastructure reasons (sandbox, model endpoint) is
  scored 0.0 as GEPA's contract asks of a failed item, flagged `infra_error` in its output
  and trajectory, and left out of the reflective dataset; when every item of a batch failed
  that way the failure is systemic and `InfrastructureFailure` is raised.
- `make_reflective_dataset` gives GEPA, per episode: the task's description and the tests
  to fix (`Inputs`), a step-by-step summary of the trajectory (`Generated Outputs`), and
  fixloop's diagnosis (`Feedback`: outcome, score, failure labels with evidence, failing
  tests). Nothing the agent was not shown (the reference fix, files it never opened)
  reaches it.
- `propose_new_texts` exists when the adapter is given a fixloop `SkillReflector`: the
  reflector proposes edits to the skill from the episodes, the best `max_edits` are
  applied, and the edited skill is the new text. Then GEPA needs no `reflection_lm` and
  runs offline with the template reflector and a simulated model. Without a reflector the
  attribute is None and GEPA proposes with its own reflection prompt and `reflection_lm`.
  fixloop's reflectors write skills only: asked for another component they propose nothing.

Use `TaskLoader` for GEPA's train and validation sets: its ids are task ids, unique across
splits (gepa 0.1.4 with `cache_evaluation=True` otherwise confuses items of the two sets
that share a position; leave the cache off anyway — fixloop's store keeps every episode).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fixloop.agents.context import AgentContext, default_base_prompt
from fixloop.analysis.failure_classifier import classify
from fixloop.analysis.metrics import is_scored
from fixloop.core.trajectory import Trajectory
from fixloop.improve.improvement_plan import describe_step
from fixloop.improve.reflection import MAX_REPORT_STEPS, specific_errors
from fixloop.improve.skills.edits import RejectedEdit, SkillEdit, apply_edits
from fixloop.improve.skills.skill import EpisodeCitation, Provenance, Skill, SkillParseError
from fixloop.improve.skills.skill_reflector import (
    Proposal,
    RejectedProposal,
    SkillReflector,
    TrainingEpisode,
    merge_proposals,
)
from fixloop.improve.training_rollouts import Spent, TrainingRollouts
from fixloop.tasks.task import Task

MISSING_GEPA = "fixloop's GEPA integration needs the gepa package: pip install 'fixloop[gepa]'"

try:
    from gepa import EvaluationBatch
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(MISSING_GEPA) from exc

SKILL = "skill"
"""The candidate component holding the skill document (markdown)."""
BASE_PROMPT = "base_prompt"
"""The optional candidate component replacing the agent's base prompt."""
COMPONENTS = (SKILL, BASE_PROMPT)


class InfrastructureFailure(RuntimeError):
    """Every episode of an evaluation failed for infrastructure reasons: a systemic failure."""


@dataclass(frozen=True)
class EpisodeOutput:
    """GEPA's `RolloutOutput` for one item: where the episode is stored, how it ended, and the
    score GEPA sees (the grade score; 0.0 for an infra error, which `infra_error` flags)."""

    citation: EpisodeCitation
    outcome: str
    score: float
    infra_error: bool
    tokens: int
    cost_usd: float
    simulated: bool


@dataclass(frozen=True)
class EpisodeTrace:
    """GEPA's `Trajectory` for one item: the task, the stored episode, and its output."""

    task: Task
    trajectory: Trajectory
    output: EpisodeOutput


@dataclass(frozen=True)
class SkillProposal:
    """What `propose_new_texts` did to make one new skill: for the ledger."""

    parent: Skill
    skill: Skill
    proposals: list[Proposal]
    edits: list[SkillEdit]
    rejected_edits: list[RejectedEdit]
    errors: list[str]
    tokens: int
    cost_usd: float


class TaskLoader:
    """GEPA's `DataLoader` over fixloop tasks, keyed by task id (unique across splits).

    Raises ValueError when two tasks share an id.
    """

    def __init__(self, tasks: Sequence[Task]) -> None:
        self._tasks = {task.id: task for task in tasks}
        if len(self._tasks) != len(tasks):
            raise ValueError("two tasks share an id: GEPA's data ids must be unique")

    def all_ids(self) -> list[str]:
        """Every task id, in the order given."""
        return list(self._tasks)

    def fetch(self, ids: Sequence[str]) -> list[Task]:
        """The tasks with `ids`, in that order. Raises KeyError for an unknown id."""
        return [self._tasks[task_id] for task_id in ids]

    def __len__(self) -> int:
        return len(self._tasks)


class FixloopGEPAAdapter:
    """GEPA's adapter for fixloop (see the module docstring).

    `rollouts` runs and stores every episode (its settings name the model, the tasks'
    source, sandbox and concurrency; its budget covers every evaluation). `reflector`, when
    given, makes `propose_new_texts` available and writes at most `max_edits` edits per
    proposal (`add_only` rejects replace and delete). `on_phase` is told of each evaluation.
    """

    def __init__(
        self,
        rollouts: TrainingRollouts,
        *,
        reflector: SkillReflector | None = None,
        max_edits: int = 4,
        add_only: bool = False,
        on_phase: Callable[[str], None] | None = None,
    ) -> None:
        self.rollouts = rollouts
        self.reflector = reflector
        self.max_edits = max_edits
        self.add_only = add_only
        self.on_phase = on_phase or (lambda _: None)
        self.propose_new_texts = self._propose_new_texts if reflector is not None else None
        self.rejected: list[RejectedProposal] = []
        self.proposals: dict[str, SkillProposal] = {}
        self.reflection_spent = Spent()
        self._skills: dict[str, Skill] = {}
        self._occurrences: Counter[str] = Counter()
        self._episodes: dict[str, TrainingEpisode] = {}

    # GEPA's protocol

    def evaluate(
        self, batch: list[Task], candidate: dict[str, str], capture_traces: bool = False
    ) -> EvaluationBatch[EpisodeTrace, EpisodeOutput]:
        """One episode per item with the candidate's context; scores are grade scores.

        Raises ValueError for a candidate with an unknown component, InfrastructureFailure
        when every episode failed for infrastructure reasons, TrainingStopped when a budget
        or a stop request ends the evaluation, StoreError when the store fails.
        """
        context = self.context(candidate)
        occurrence: list[int] = []
        seen: Counter[str] = Counter()
        for task in batch:
            occurrence.append(seen[task.id])
            seen[task.id] += 1
        unique = list({task.id: task for task in batch}.values())
        repeats = max(seen.values(), default=1)
        label = self._label(context, [task.id for task in unique], repeats)
        self.on_phase(f"gepa: {len(batch)} episodes ({label})")
        episodes = self.rollouts.rollout(context, unique, repeats=repeats, label=label)
        run = self.rollouts.run_name(label)
        outputs, traces = [], []
        for task, index in zip(batch, occurrence, strict=True):
            trajectory = episodes[(task.id, index)]
            infra = not is_scored(trajectory)
            citation = EpisodeCitation(run=run, task_id=task.id, episode_index=index)
            output = EpisodeOutput(
                citation=citation, outcome=trajectory.outcome, score=0.0 if infra else trajectory.score,
                infra_error=infra, tokens=trajectory.tokens, cost_usd=trajectory.cost,
                simulated=trajectory.simulated,
            )  # fmt: skip
            outputs.append(output)
            traces.append(EpisodeTrace(task, trajectory, output))
            if capture_traces:  # only these reach make_reflective_dataset and the reflector
                self._episodes[_key(citation)] = TrainingEpisode(citation, trajectory)
        if batch and all(output.infra_error for output in outputs):
            errors = sorted({t.trajectory.error or t.trajectory.outcome for t in traces})
            raise InfrastructureFailure(
                f"every episode of {run} failed for infrastructure reasons: {'; '.join(errors)[:500]}"
            )
        return EvaluationBatch(
            outputs=outputs,
            scores=[output.score for output in outputs],
            trajectories=traces if capture_traces else None,
            num_metric_calls=len(unique) * repeats,
        )

    def make_reflective_dataset(
        self,
        candidate: dict[str, str],
        eval_batch: EvaluationBatch[EpisodeTrace, EpisodeOutput],
        components_to_update: list[str],
    ) -> dict[str, list[dict[str, Any]]]:
        """For each component, one record per scored episode: `Inputs` (task, description,
        tests to fix), `Generated Outputs` (the trajectory's steps), `Feedback` (fixloop's
        diagnosis), with `Episode` (run/task#index) and `score`. Infra errors are left out.

        Raises ValueError when `eval_batch` holds no trajectories (evaluate with capture_traces).
        """
        if eval_batch.trajectories is None:
            raise ValueError("make_reflective_dataset needs an evaluation with capture_traces=True")
        records = [_record(trace) for trace in eval_batch.trajectories if not trace.output.infra_error]
        return {component: [dict(record) for record in records] for component in components_to_update}

    def _propose_new_texts(
        self,
        candidate: dict[str, str],
        reflective_dataset: Mapping[str, Sequence[Mapping[str, Any]]],
        components_to_update: list[str],
    ) -> dict[str, str]:
        """A new skill from the fixloop reflector's edits; {} when it proposes nothing that
        applies or the skill is not among the components to update."""
        assert self.reflector is not None
        if SKILL not in components_to_update or SKILL not in reflective_dataset:
            return {}
        parent = self.skill_of(candidate.get(SKILL, ""))
        episodes = [self._episodes[str(record["Episode"])] for record in reflective_dataset[SKILL]]
        reflection = self.reflector.propose(parent, episodes, rejected=self.rejected)
        spent = self.reflection_spent
        self.reflection_spent = Spent(
            0, spent.tokens + reflection.tokens, spent.cost_usd + reflection.cost_usd
        )
        tried = merge_proposals(reflection.proposals)[: self.max_edits]
        provenance = [
            Provenance(
                origin="reflection", training=self.rollouts.training, episodes=p.support, evidence=p.evidence
            )
            for p in tried
        ]
        outcome = apply_edits(parent, [p.edit for p in tried], provenance, add_only=self.add_only)
        if not outcome.applied:
            return {}
        text = outcome.skill.markdown()
        self._skills[text] = outcome.skill
        self.proposals[text] = SkillProposal(
            parent=parent, skill=outcome.skill, proposals=merge_proposals(reflection.proposals),
            edits=[p.edit for p in tried], rejected_edits=outcome.rejected,
            errors=[reflection.error] if reflection.error else [], tokens=reflection.tokens,
            cost_usd=reflection.cost_usd,
        )  # fmt: skip
        return {SKILL: text}

    def get_adapter_state(self) -> dict[str, Any]:
        """What a resume from GEPA's run_dir needs: evaluation counters (so stored runs are
        read back), the skills proposed (with their rules' provenance) and rejected edits."""
        return {
            "occurrences": dict(self._occurrences),
            "skills": {text: skill.model_dump(mode="json") for text, skill in self._skills.items()},
            "rejected": [r.model_dump(mode="json") for r in self.rejected],
        }

    def set_adapter_state(self, state: dict[str, Any]) -> None:
        """Restore what `get_adapter_state` returned (GEPA calls it on resume)."""
        self._occurrences = Counter(state.get("occurrences", {}))
        self._skills.update({t: Skill.model_validate(s) for t, s in state.get("skills", {}).items()})
        self.rejected = [RejectedProposal.model_validate(r) for r in state.get("rejected", [])]

    # helpers

    def context(self, candidate: Mapping[str, str]) -> AgentContext:
        """The agent context a candidate stands for. Raises ValueError for an unknown component."""
        unknown = sorted(set(candidate) - set(COMPONENTS))
        if unknown:
            raise ValueError(f"unknown candidate components {unknown}; fixloop's are {list(COMPONENTS)}")
        return AgentContext(
            skill=candidate.get(SKILL, ""), base_prompt=candidate.get(BASE_PROMPT) or default_base_prompt()
        )

    def skill_of(self, text: str) -> Skill:
        """The skill a candidate's text holds: the one this adapter proposed (with its rules'
        provenance), else the text parsed. Raises SkillParseError for text that is not a skill."""
        known = self._skills.get(text)
        if known is not None:
            return known
        try:
            return Skill.parse(text)
        except SkillParseError as exc:
            raise SkillParseError(f"the candidate's skill is not a skill document: {exc}") from None

    def reject(self, proposal: SkillProposal, score_change: float | None, reason: str) -> None:
        """Tell the reflector the proposal's edits did not help (it will not propose them again)."""
        self.rejected += [
            RejectedProposal(edit=edit, score_change=score_change, reason=reason) for edit in proposal.edits
        ]

    def _label(self, context: AgentContext, task_ids: list[str], repeats: int) -> str:
        """`gepa-<context>-<batch>-<n>`: the n-th evaluation of this context on these tasks."""
        batch = hashlib.sha256(f"{repeats}:{','.join(task_ids)}".encode()).hexdigest()[:8]
        key = f"{context.version_id[:8]}-{batch}"
        n = self._occurrences[key]
        self._occurrences[key] += 1
        return f"gepa-{key}-{n}"


def _key(citation: EpisodeCitation) -> str:
    return f"{citation.run}/{citation.task_id}#{citation.episode_index}"


def _record(trace: EpisodeTrace) -> dict[str, Any]:
    """One reflective-dataset record (see `make_reflective_dataset`)."""
    task, trajectory = trace.task, trace.trajectory
    steps = [describe_step(step) for step in trajectory.steps[:MAX_REPORT_STEPS]]
    if len(trajectory.steps) > MAX_REPORT_STEPS:
        steps.append(f"... {len(trajectory.steps) - MAX_REPORT_STEPS} more steps")
    return {
        "Inputs": {
            "task": task.id,
            "description": task.description,
            "tests to fix": ", ".join(task.fail_to_pass),
        },
        "Generated Outputs": "\n".join(steps) or "(no step)",
        "Feedback": feedback(trajectory),
        "Episode": _key(trace.output.citation),
        "score": trace.output.score,
    }


def feedback(trajectory: Trajectory) -> str:
    """fixloop's diagnosis of an episode in a few lines: outcome and score, the failure labels
    (primary first) with their evidence, and the tests still failing at the end."""
    lines = [
        f"outcome: {trajectory.outcome}, grade score {trajectory.score:.2f}, {len(trajectory.steps)} steps"
    ]
    if trajectory.outcome == "resolved":
        return "\n".join([*lines, "every test to fix passes and nothing broke"])
    diagnosis = classify(trajectory)
    lines.append(f"failure: {', '.join(label.value for label in diagnosis.labels)}")
    lines += [f"- {line}" for line in specific_errors(trajectory, diagnosis)]
    grade = trajectory.grade
    if grade is not None:
        failing = grade.fail_to_pass_failed + grade.pass_to_pass_broken
        if failing:
            lines.append(f"failing tests: {', '.join(failing)}")
    return "\n".join(lines)
