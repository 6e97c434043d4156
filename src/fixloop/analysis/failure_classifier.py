"""The failure classifier: why an episode went wrong, as labels with the evidence for each.

`classify` gives every label whose rule matches, each with the steps that show it, and one
primary label: the most severe (critical, then major, then minor; ties in the order of
`FailureLabel`). A resolved episode with no critical label is primarily CORRECT, keeping its
lesser labels as notes. INFRA_ERROR and BUDGET_EXHAUSTED are not the agent's fault: they
are primary whenever they apply, and such episodes are left out of agent scores.

The rules (thresholds in `ClassifierThresholds`):

| label | severity | rule |
|---|---|---|
| WRONG_FILE_NAVIGATION | critical | more than one irrelevant non-test file read and no file of the fix read |
| BLIND_WRITE | critical | an existing file edited before it was read or viewed |
| SECURITY_VIOLATION | critical | dangerous patterns written (os.system, subprocess, eval, sockets, ...) |
| HALLUCINATED_CODE | major | edits after which the next test run's pass rate fell, or stayed below 0.3 |
| NEVER_TESTED | major | submitted after edits with no test run after the last edit |
| LOOPING_BEHAVIOR | major | a file read 3+ times with no edit between, or one action 3 times in a row |
| PREMATURE_SUBMIT | major | submitted while the last test run showed failures, with no edit since |
| FORMAT_ERRORS | major | parse errors ended the episode or were at least half its steps |
| REGRESSION | major | a pass_to_pass test broken in the final grade |
| CONTEXT_OVERFLOW | minor | more than 50k characters read and unresolved |
| STEP_LIMIT | minor | ran out of steps (or of wall time) |
| UNRESOLVED | minor | unresolved and no other rule explains it |

"Relevant" is exact: the trajectory's `TaskFacts` name the fix's files and the modules the
failing tests import. Without them (an old trajectory) WRONG_FILE_NAVIGATION is not judged.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from fixloop.analysis.steps import (
    action_key,
    action_type,
    creates_file,
    edit_path,
    is_parse_error,
    is_submit,
    ran_tests,
    read_path,
    tests_failed,
)
from fixloop.core.trajectory import StepRecord, Trajectory
from fixloop.tasks.stats import is_test_file


class Severity(StrEnum):
    """How bad a label is. `external` labels are not the agent's fault; `ok` is CORRECT."""

    critical = "critical"
    major = "major"
    minor = "minor"
    external = "external"
    ok = "ok"


class FailureLabel(StrEnum):
    """The taxonomy, most severe first within each severity."""

    INFRA_ERROR = "INFRA_ERROR"
    BUDGET_EXHAUSTED = "BUDGET_EXHAUSTED"
    TAMPERING = "TAMPERING"
    WRONG_FILE_NAVIGATION = "WRONG_FILE_NAVIGATION"
    BLIND_WRITE = "BLIND_WRITE"
    SECURITY_VIOLATION = "SECURITY_VIOLATION"
    HALLUCINATED_CODE = "HALLUCINATED_CODE"
    NEVER_TESTED = "NEVER_TESTED"
    LOOPING_BEHAVIOR = "LOOPING_BEHAVIOR"
    PREMATURE_SUBMIT = "PREMATURE_SUBMIT"
    FORMAT_ERRORS = "FORMAT_ERRORS"
    REGRESSION = "REGRESSION"
    CONTEXT_OVERFLOW = "CONTEXT_OVERFLOW"
    STEP_LIMIT = "STEP_LIMIT"
    UNRESOLVED = "UNRESOLVED"
    CORRECT = "CORRECT"


SEVERITY: dict[FailureLabel, Severity] = {
    FailureLabel.INFRA_ERROR: Severity.external,
    FailureLabel.BUDGET_EXHAUSTED: Severity.external,
    FailureLabel.TAMPERING: Severity.critical,
    FailureLabel.WRONG_FILE_NAVIGATION: Severity.critical,
    FailureLabel.BLIND_WRITE: Severity.critical,
    FailureLabel.SECURITY_VIOLATION: Severity.critical,
    FailureLabel.HALLUCINATED_CODE: Severity.major,
    FailureLabel.NEVER_TESTED: Severity.major,
    FailureLabel.LOOPING_BEHAVIOR: Severity.major,
    FailureLabel.PREMATURE_SUBMIT: Severity.major,
    FailureLabel.FORMAT_ERRORS: Severity.major,
    FailureLabel.REGRESSION: Severity.major,
    FailureLabel.CONTEXT_OVERFLOW: Severity.minor,
    FailureLabel.STEP_LIMIT: Severity.minor,
    FailureLabel.UNRESOLVED: Severity.minor,
    FailureLabel.CORRECT: Severity.ok,
}

_SEVERITY_RANK = {
    Severity.external: 0,
    Severity.critical: 1,
    Severity.major: 2,
    Severity.minor: 3,
    Severity.ok: 4,
}
_LABEL_ORDER = {label: i for i, label in enumerate(FailureLabel)}


class ClassifierThresholds(BaseModel):
    """The classifier's thresholds; the defaults are the documented rules."""

    model_config = ConfigDict(extra="forbid")

    irrelevant_reads: int = Field(
        default=2,
        ge=1,
        description="Irrelevant non-test files read (with no fix file read) for WRONG_FILE_NAVIGATION.",
    )
    low_pass_rate: float = Field(
        default=0.3, ge=0.0, le=1.0, description="A pass rate after edits below this is HALLUCINATED_CODE."
    )
    loop_reads: int = Field(
        default=3, ge=2, description="Reads of one file, no edit between, for LOOPING_BEHAVIOR."
    )
    loop_repeats: int = Field(
        default=3, ge=2, description="The same action this many times in a row is looping."
    )
    format_error_share: float = Field(
        default=0.5, gt=0.0, le=1.0, description="Parse errors at least this share of steps is FORMAT_ERRORS."
    )
    format_error_min: int = Field(default=2, ge=1, description="...and at least this many of them.")
    context_chars: int = Field(
        default=50_000, ge=1, description="Characters read beyond this, unresolved: CONTEXT_OVERFLOW."
    )


class Evidence(BaseModel):
    """One piece of evidence: the step (None for the episode as a whole) and what happened."""

    step: int | None
    detail: str


class Finding(BaseModel):
    """One label that applies, with its evidence."""

    label: FailureLabel
    severity: Severity
    evidence: list[Evidence]


class Diagnosis(BaseModel):
    """Every label that applies to one episode, the primary one first."""

    task_id: str
    outcome: str
    primary: FailureLabel
    findings: list[Finding] = Field(description="Every matching label, the primary one first.")

    @property
    def labels(self) -> list[FailureLabel]:
        """The labels, primary first."""
        return [finding.label for finding in self.findings]

    @property
    def agent_fault(self) -> bool:
        """False when the infrastructure or the budget ended the episode (not scored)."""
        return SEVERITY[self.primary] is not Severity.external


def classify(trajectory: Trajectory, thresholds: ClassifierThresholds | None = None) -> Diagnosis:
    """Label one episode. Never raises on a trajectory; every label carries evidence."""
    limits = thresholds or ClassifierThresholds()
    steps = trajectory.steps
    found: dict[FailureLabel, list[Evidence]] = {}

    def add(label: FailureLabel, evidence: list[Evidence]) -> None:
        if evidence:
            found.setdefault(label, []).extend(evidence)

    add(FailureLabel.INFRA_ERROR, _infra_error(trajectory))
    if trajectory.outcome == "budget_exhausted":
        add(
            FailureLabel.BUDGET_EXHAUSTED,
            [Evidence(step=None, detail=trajectory.error or "the budget ran out")],
        )
    add(FailureLabel.TAMPERING, _tampering(trajectory))
    add(FailureLabel.WRONG_FILE_NAVIGATION, _wrong_files(trajectory, limits))
    add(FailureLabel.BLIND_WRITE, _blind_writes(steps))
    add(FailureLabel.SECURITY_VIOLATION, _dangerous(steps))
    add(FailureLabel.HALLUCINATED_CODE, _hallucinated(steps, limits))
    add(FailureLabel.NEVER_TESTED, _never_tested(steps))
    add(FailureLabel.LOOPING_BEHAVIOR, _looping(trajectory, limits))
    add(FailureLabel.PREMATURE_SUBMIT, _premature_submit(steps))
    add(FailureLabel.FORMAT_ERRORS, _format_errors(trajectory, limits))
    add(FailureLabel.REGRESSION, _regression(trajectory))
    resolved = trajectory.outcome == "resolved"
    chars = sum(s.summary.chars_read for s in steps)
    if chars > limits.context_chars and not resolved:
        add(
            FailureLabel.CONTEXT_OVERFLOW,
            [Evidence(step=None, detail=f"{chars:,} characters read, unresolved")],
        )
    add(FailureLabel.STEP_LIMIT, _step_limit(trajectory))
    if resolved and not any(SEVERITY[label] is Severity.critical for label in found):
        found[FailureLabel.CORRECT] = [Evidence(step=None, detail="resolved")]
    elif not resolved and not found:
        found[FailureLabel.UNRESOLVED] = [
            Evidence(
                step=None,
                detail=f"ended {trajectory.outcome} (score {trajectory.score:.2f}); no rule explains why",
            )
        ]
    ordered = sorted(found, key=lambda label: (_SEVERITY_RANK[SEVERITY[label]], _LABEL_ORDER[label]))
    if FailureLabel.CORRECT in found and SEVERITY[ordered[0]] is not Severity.external:
        ordered.remove(FailureLabel.CORRECT)
        ordered.insert(0, FailureLabel.CORRECT)
    return Diagnosis(
        task_id=trajectory.task_id,
        outcome=trajectory.outcome,
        primary=ordered[0],
        findings=[Finding(label=label, severity=SEVERITY[label], evidence=found[label]) for label in ordered],
    )


def _infra_error(trajectory: Trajectory) -> list[Evidence]:
    grade_failed = trajectory.grade is not None and trajectory.grade.outcome == "infra_error"
    if trajectory.outcome != "infra_error" and not grade_failed:
        return []
    detail = (
        trajectory.error or (trajectory.grade.error if trajectory.grade else None) or "infrastructure failure"
    )
    step = next((s.index for s in trajectory.steps if s.error and "sandbox failed" in s.error), None)
    return [Evidence(step=step, detail=detail)]


def _tampering(trajectory: Trajectory) -> list[Evidence]:
    """The grader's evidence that the agent's changes tried to forge the grade."""
    if trajectory.grade is None or trajectory.grade.outcome != "tampered":
        return []
    submit = next((s.index for s in reversed(trajectory.steps) if s.done), None)
    return [Evidence(step=submit, detail=detail) for detail in trajectory.grade.evidence]


def _wrong_files(trajectory: Trajectory, limits: ClassifierThresholds) -> list[Evidence]:
    facts = trajectory.task_facts
    if facts is None:
        return []
    relevant, fix = set(facts.relevant_files), set(facts.fix_paths)
    reads = [(s.index, p) for s in trajectory.steps if (p := read_path(s)) is not None]
    if any(path in fix for _, path in reads):
        return []
    irrelevant: dict[str, int] = {}
    for index, path in reads:
        if path not in relevant and not is_test_file(path):
            irrelevant.setdefault(path, index)
    if len(irrelevant) < limits.irrelevant_reads:
        return []
    return [
        Evidence(
            step=index,
            detail=f"read {path}, which the fix does not touch and the failing tests do not import",
        )
        for path, index in irrelevant.items()
    ] + [Evidence(step=None, detail=f"never read the file(s) of the fix: {', '.join(sorted(fix))}")]


def _blind_writes(steps: list[StepRecord]) -> list[Evidence]:
    seen: set[str] = set()
    evidence = []
    for step in steps:
        if (path := read_path(step)) is not None:
            seen.add(path)
        elif (path := edit_path(step)) is not None:
            if path not in seen and not creates_file(step):
                evidence.append(
                    Evidence(step=step.index, detail=f"{action_type(step)} on {path} before reading it")
                )
            seen.add(path)
    return evidence


def _dangerous(steps: list[StepRecord]) -> list[Evidence]:
    return [
        Evidence(step=s.index, detail=f"wrote {', '.join(sorted(s.summary.dangerous))} into {s.summary.path}")
        for s in steps
        if s.summary.dangerous
    ]


def _hallucinated(steps: list[StepRecord], limits: ClassifierThresholds) -> list[Evidence]:
    """Each group of edits is judged by the next measurement: a test run or the submit's grade."""
    evidence = []
    group: list[StepRecord] = []
    for step in steps:
        if edit_path(step) is not None:
            group.append(step)
        elif group and (ran_tests(step) or is_submit(step)):
            before, after = group[0].summary.pass_fraction, step.summary.pass_fraction
            where = (
                f"step {group[0].index}" if len(group) == 1 else f"steps {group[0].index}-{group[-1].index}"
            )
            if after < before:
                fell = f"fell from {before:.2f} to {after:.2f}"
                evidence.append(
                    Evidence(step=step.index, detail=f"after the edit at {where} the pass rate {fell}")
                )
            elif after < limits.low_pass_rate:
                evidence.append(
                    Evidence(
                        step=step.index,
                        detail=f"after the edit at {where} the pass rate stayed at {after:.2f}",
                    )
                )
            group = []
    return evidence


def _never_tested(steps: list[StepRecord]) -> list[Evidence]:
    evidence = []
    last_edit: int | None = None
    for step in steps:
        if edit_path(step) is not None:
            last_edit = step.index
        elif ran_tests(step):
            last_edit = None
        elif is_submit(step) and last_edit is not None:
            evidence.append(
                Evidence(
                    step=step.index, detail=f"submitted with no test run since the edit at step {last_edit}"
                )
            )
    return evidence


def _looping(trajectory: Trajectory, limits: ClassifierThresholds) -> list[Evidence]:
    evidence = []
    reads: dict[str, int] = {}
    run_key, run_length = None, 0
    for step in trajectory.steps:
        if (written := edit_path(step)) is not None:
            reads.pop(written, None)
        elif (path := read_path(step)) is not None:
            reads[path] = reads.get(path, 0) + 1
            if reads[path] == limits.loop_reads:
                evidence.append(
                    Evidence(
                        step=step.index,
                        detail=f"read {path} {limits.loop_reads} times with no edit of it in between",
                    )
                )
        key = action_key(step)
        run_key, run_length = key, (run_length + 1 if key is not None and key == run_key else 1)
        if key is not None and run_length == limits.loop_repeats:
            evidence.append(
                Evidence(
                    step=step.index,
                    detail=f"the same {action_type(step)} action {limits.loop_repeats} times in a row",
                )
            )
    if trajectory.outcome == "looping" and not evidence:
        evidence.append(Evidence(step=None, detail=trajectory.error or "the agent was stopped for looping"))
    return evidence


def _premature_submit(steps: list[StepRecord]) -> list[Evidence]:
    """An edit after the failing run makes the submit NEVER_TESTED instead: the run is stale."""
    last_run: StepRecord | None = None
    for step in steps:
        if ran_tests(step):
            last_run = step
        elif edit_path(step) is not None:
            last_run = None
        elif is_submit(step) and last_run is not None and tests_failed(last_run):
            tests = last_run.summary.tests
            assert tests is not None
            failing = f"{tests.total - tests.passed} of {tests.total} tests failing"
            detail = f"submitted while the run at step {last_run.index} showed {failing}"
            return [Evidence(step=step.index, detail=detail)]
    return []


def _format_errors(trajectory: Trajectory, limits: ClassifierThresholds) -> list[Evidence]:
    parse_errors = [s for s in trajectory.steps if is_parse_error(s)]
    if trajectory.outcome == "format_errors":
        return [
            Evidence(step=s.index, detail=(s.error or "did not parse")[:200]) for s in parse_errors[-3:]
        ] or [Evidence(step=None, detail=trajectory.error or "ended for format errors")]
    share = len(parse_errors) / len(trajectory.steps) if trajectory.steps else 0.0
    if len(parse_errors) >= limits.format_error_min and share >= limits.format_error_share:
        return [
            Evidence(
                step=None, detail=f"{len(parse_errors)} of {len(trajectory.steps)} outputs did not parse"
            )
        ]
    return []


def _regression(trajectory: Trajectory) -> list[Evidence]:
    grade = trajectory.grade
    if grade is None or not grade.pass_to_pass_broken:
        return []
    step = trajectory.steps[-1].index if trajectory.steps and is_submit(trajectory.steps[-1]) else None
    return [
        Evidence(step=step, detail=f"broke {node}, which passed before") for node in grade.pass_to_pass_broken
    ]


def _step_limit(trajectory: Trajectory) -> list[Evidence]:
    if trajectory.outcome in ("step_limit", "wall_time"):
        return [Evidence(step=None, detail=trajectory.error or f"stopped: {trajectory.outcome}")]
    last = trajectory.steps[-1] if trajectory.steps else None
    if last is not None and last.done and not is_submit(last) and trajectory.outcome != "infra_error":
        return [Evidence(step=last.index, detail="the step budget ran out before a submit")]
    return []
