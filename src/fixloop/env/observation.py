"""What the agent sees after each step, and its text rendering for language models."""

from __future__ import annotations

from pydantic import BaseModel, Field

from fixloop.core.step_summary import PassSummary
from fixloop.env.spectrum import Spectrum


class Observation(BaseModel):
    """Everything the agent may know after a step. It never contains the reference fix."""

    task_id: str
    task_description: str
    repo_tree: list[str] = Field(description="The repository's regular files, sorted.")
    repo_notes: list[str] = Field(
        default_factory=list,
        description="Entries of the repository no action reads or follows (symbolic links, FIFOs, "
        "sockets), and what the listing left out (past its entry or depth bound).",
    )
    action_output: str | None = Field(default=None, description="What the last action produced.")
    code_view: str | None = Field(default=None, description="Line-numbered code from view/read.")
    last_test_output: str | None = None
    pass_summary: PassSummary | None = None
    spectrum: Spectrum | None = Field(
        default=None, description="Lines the last test run executed, when it ran with coverage."
    )
    localized_context: str | None = Field(
        default=None, description="Lines around where the last failure points, or the last edit."
    )
    syntax_error: str | None = None
    step_count: int = 0
    steps_remaining: int = 0
    last_action: str | None = None
    last_action_error: str | None = None
    reward: float = 0.0
    done: bool = False

    def render(self) -> str:
        """A plain-text rendering, in a stable order, for a language model's prompt."""
        parts = [f"# Task {self.task_id}\n{self.task_description.strip()}"]
        parts.append("# Repository\n" + "\n".join(self.repo_tree + self.repo_notes))
        status = f"step {self.step_count}, {self.steps_remaining} steps left"
        if self.last_action:
            status += f"; last action: {self.last_action} (reward {self.reward:+.2f})"
        parts.append("# Status\n" + status)
        if self.last_action_error:
            parts.append("# Error in your last action\n" + self.last_action_error)
        if self.syntax_error:
            parts.append("# Syntax error\n" + self.syntax_error)
        if self.action_output:
            parts.append("# Result\n" + self.action_output)
        if self.code_view:
            parts.append("# Code\n" + self.code_view)
        if self.pass_summary:
            summary = self.pass_summary
            line = f"{summary.passed}/{summary.total} tests passed"
            if summary.timed_out:
                line += " (the run timed out)"
            if summary.failing:
                line += "\nfailing: " + ", ".join(summary.failing)
            parts.append("# Tests\n" + line)
        if self.last_test_output:
            parts.append("# Test output\n" + self.last_test_output)
        if self.spectrum is not None:
            parts.append("# Coverage\n" + self.spectrum.render())
        if self.localized_context:
            parts.append("# Context\n" + self.localized_context)
        if self.done:
            parts.append("# The episode is over.")
        return "\n\n".join(parts)
