"""The grade: how an episode's work was judged by the task's tests."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field


class GradeOutcome(StrEnum):
    """How an episode ended, from the grader's point of view."""

    resolved = "resolved"
    partial = "partial"
    unresolved = "unresolved"
    tampered = "tampered"
    infra_error = "infra_error"


class Grade(BaseModel):
    """The verdict on a workspace.

    `score` = (fraction of fail_to_pass passing) x (fraction of pass_to_pass still passing),
    so doing nothing scores 0, a full fix scores 1, and every broken regression test costs.
    `pass_fraction` is the fraction of all graded tests passing. A `tampered` grade scores
    0 whatever the tests said, and `evidence` says why.
    """

    outcome: GradeOutcome
    score: float = Field(ge=0.0, le=1.0)
    pass_fraction: float = Field(ge=0.0, le=1.0)
    fail_to_pass_passed: list[str] = Field(default_factory=list)
    fail_to_pass_failed: list[str] = Field(default_factory=list)
    pass_to_pass_broken: list[str] = Field(default_factory=list)
    timed_out: bool = False
    evidence: list[str] = Field(
        default_factory=list,
        description="Why the outcome is `tampered`: file:line and mechanism, or the run's facts.",
    )
    ignored_changes: list[str] = Field(
        default_factory=list,
        description="The agent's changes the grade left out (tests, conftest.py, pytest configuration ...).",
    )
    error: str | None = Field(default=None, description="Why grading could not run (infra_error).")
