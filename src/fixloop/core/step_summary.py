"""`StepSummary`: what one step did to the repository and the tests, kept in trajectories.

The observation is what the agent saw; the summary is the compact record analysis needs
afterwards (which file, how much was read, the diff of an edit, the test run's verdicts).
It never holds the reference fix.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class PassSummary(BaseModel):
    """The last test run in brief."""

    passed: int
    total: int
    failing: list[str] = Field(default_factory=list, description="Failing or erroring node ids.")
    timed_out: bool = False


MAX_DIFF_CHARS = 6_000
"""A step's diff is kept up to this many characters."""

MAX_TEST_OUTPUT_CHARS = 3_000
"""A test run's output is kept up to this many characters."""


class StepSummary(BaseModel):
    """The facts of one step. Every field has a neutral default, so absent means "did not happen"."""

    path: str | None = Field(default=None, description="The repository file the step read or wrote.")
    chars_read: int = Field(default=0, ge=0, description="Characters of code or search results shown.")
    diff: str | None = Field(
        default=None, description="Unified diff of what the step changed (edit, undo or reset)."
    )
    lines_changed: int = Field(default=0, ge=0, description="Lines removed plus added by the step.")
    tests: PassSummary | None = Field(default=None, description="The step's test run, if it ran tests.")
    test_output: str | None = Field(default=None, description="That run's output, capped.")
    pass_fraction: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Graded tests passing as last run, after the step."
    )
    dangerous: dict[str, int] = Field(
        default_factory=dict, description="Dangerous patterns the step wrote (pattern -> new occurrences)."
    )
    syntax_error: str | None = Field(
        default=None, description="A syntax error in the edited files after the step."
    )
