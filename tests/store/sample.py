"""A realistic trajectory, built by hand, for the store's tests."""

from __future__ import annotations

from fixloop.core.grade import Grade, GradeOutcome
from fixloop.core.step_summary import PassSummary, StepSummary
from fixloop.core.trajectory import StepRecord, Trajectory
from tests.analysis.builders import FACTS


def make_trajectory(task_id: str = "calc-add", outcome: str = "resolved", **overrides: object) -> Trajectory:
    """Three steps: a view, an edit that fixes the bug, a submit; graded as `outcome`."""
    resolved = outcome == "resolved"
    grade = Grade(
        outcome=GradeOutcome(outcome) if outcome in GradeOutcome.__members__ else GradeOutcome.unresolved,
        score=1.0 if resolved else 0.0,
        pass_fraction=1.0 if resolved else 0.5,
        fail_to_pass_passed=["tests/test_calc.py::test_add"] if resolved else [],
        fail_to_pass_failed=[] if resolved else ["tests/test_calc.py::test_add"],
        error="sandbox crashed" if outcome == "infra_error" else None,
    )
    steps = [
        StepRecord(
            index=1,
            action={"kind": "view_code", "path": "calc.py", "thought": "look at add"},
            reward=0.05,
            seconds=0.125,
            tokens=812,
            cost=0.000412,
        ),
        StepRecord(
            index=2,
            action=None,
            raw_action="replace line 3 with return a + b   (not JSON)",
            reward=-0.1,
            error="could not parse the action: expected a JSON object",
            seconds=0.5,
            tokens=640,
        ),
        StepRecord(
            index=3,
            action={
                "kind": "replace_lines",
                "path": "calc.py",
                "start": 3,
                "end": 3,
                "text": "    return a + b",
            },
            reward=0.7,
            seconds=1.75,
            tokens=700,
            summary=StepSummary(
                path="calc.py",
                diff="--- a/calc.py\n+++ b/calc.py\n@@ -3 +3 @@\n-    return a - b\n+    return a + b\n",
                lines_changed=2,
                tests=PassSummary(passed=1, total=2, failing=["tests/test_calc.py::test_add"]),
                test_output="1 passed, 1 failed",
                pass_fraction=0.5,
                dangerous={"eval": 1},
            ),
        ),
        StepRecord(index=4, action={"kind": "submit"}, reward=1.0, done=True, seconds=2.5, tokens=300),
    ]
    fields: dict[str, object] = {
        "task_id": task_id,
        "agent": "llm",
        "task_facts": FACTS,
        "reward_scheme": "potential",
        "sandbox": "bwrap",
        "steps": steps,
        "grade": grade,
        "outcome": outcome,
        "score": grade.score,
        "total_reward": sum(s.reward for s in steps),
        "seconds": 4.875,
        "error": None,
        "simulated": False,
        "tokens": 2452,
        "cost": 0.0031,
    }
    fields.update(overrides)
    return Trajectory.model_validate(fields)
