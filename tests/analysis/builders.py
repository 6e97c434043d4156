"""Hand-built trajectories for analysis tests: each helper makes one step as DebugEnv records it."""

from __future__ import annotations

from fixloop.core.grade import Grade, GradeOutcome
from fixloop.core.step_summary import PassSummary, StepSummary
from fixloop.core.trajectory import StepRecord, TaskFacts, Trajectory

FACTS = TaskFacts(
    difficulty="easy",
    tags=["arithmetic"],
    fix_paths=["calc.py"],
    relevant_files=["calc.py", "tests/test_calc.py"],
    fix_lines=2,
    step_target=4,
)


def step(action: dict | None, error: str | None = None, **summary: object) -> StepRecord:
    """A step; `index` is set by `trajectory`."""
    return StepRecord(index=0, action=action, reward=0.0, error=error, summary=StepSummary(**summary))


def read(path: str, *, chars: int = 200, pass_fraction: float = 0.5) -> StepRecord:
    return step(
        {"action_type": "read_file", "path": path}, path=path, chars_read=chars, pass_fraction=pass_fraction
    )


def view(path: str, *, pass_fraction: float = 0.5) -> StepRecord:
    return step(
        {"action_type": "view_code", "path": path, "start_line": 1},
        path=path,
        chars_read=80,
        pass_fraction=pass_fraction,
    )


def search(query: str) -> StepRecord:
    return step({"action_type": "search_code", "query": query}, chars_read=60, pass_fraction=0.5)


def edit(
    path: str = "calc.py",
    *,
    new: bool = False,
    lines: int = 2,
    pass_fraction: float = 0.5,
    dangerous: dict[str, int] | None = None,
    code: str = "return a + b",
) -> StepRecord:
    diff = ("--- /dev/null\n" if new else f"--- a/{path}\n") + f"+++ b/{path}\n"
    action = (
        {"action_type": "write_file", "path": path, "content": code}
        if new
        else {"action_type": "replace_lines", "path": path, "start_line": 3, "end_line": 3, "new_code": code}
    )
    return step(
        action,
        path=path,
        diff=diff,
        lines_changed=lines,
        pass_fraction=pass_fraction,
        dangerous=dangerous or {},
    )


def run(passed: int, total: int = 4, *, graded: float | None = None) -> StepRecord:
    failing = [f"tests/test_calc.py::test_{i}" for i in range(total - passed)]
    return step(
        {"action_type": "run_tests"},
        tests=PassSummary(passed=passed, total=total, failing=failing),
        test_output=f"{passed} passed",
        pass_fraction=passed / total if graded is None else graded,
    )


def submit(pass_fraction: float = 1.0) -> StepRecord:
    return step({"action_type": "submit"}, pass_fraction=pass_fraction)


def garbage() -> StepRecord:
    return StepRecord(index=0, action=None, raw_action="I think", reward=-0.1, error="PARSE_ERROR: not JSON")


def trajectory(
    *steps: StepRecord,
    outcome: str = "resolved",
    score: float | None = None,
    facts: TaskFacts | None = FACTS,
    broken: list[str] | None = None,
    error: str | None = None,
    evidence: list[str] | None = None,
) -> Trajectory:
    """A trajectory of `steps` (indexed from 1); the last is `done`. Graded as `outcome`."""
    numbered = [s.model_copy(update={"index": i}) for i, s in enumerate(steps, start=1)]
    if numbered:
        numbered[-1] = numbered[-1].model_copy(update={"done": True})
    score = (1.0 if outcome == "resolved" else 0.0) if score is None else score
    grade_outcome = outcome if outcome in GradeOutcome.__members__ else "unresolved"
    grade = Grade(
        outcome=GradeOutcome(grade_outcome),
        score=score,
        pass_fraction=score,
        pass_to_pass_broken=broken or [],
        evidence=evidence or [],
    )
    return Trajectory(
        task_id="calc-add",
        agent="test",
        reward_scheme="potential",
        sandbox="process",
        task_facts=facts,
        steps=numbered,
        grade=None if outcome == "infra_error" else grade,
        outcome=outcome,
        score=score,
        error=error,
    )
