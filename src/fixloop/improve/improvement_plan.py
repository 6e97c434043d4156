"""`ImprovementPlan`: what a reflector learned from a failed episode, ready for the next attempt.

A plan carries two texts for the retry. The system addon goes into the agent's system
prompt through `AgentContext.retry_notes`, which the prompt template already renders under
its own previous-attempt heading, so the addon has no heading of its own. The user addon
is a message for the conversation before the first observation: the score, the failure, what
the first steps did and earned, and the improved strategy.

A plan never holds the reference fix, nor names a file of the fix the agent did not open.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.analysis.failure_classifier import FailureLabel
from fixloop.core.trajectory import StepRecord, Trajectory

SUMMARY_STEPS = 8
"""Steps the user addon summarises by default (the first ones)."""

_MAX_ERROR_CHARS = 120


class EpisodeRef(BaseModel):
    """Which episode a plan reflects on: the task, and where known the run and episode index."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    run: str | None = Field(default=None, description="The run's name, when the episode is in the store.")
    task_id: str
    episode_index: int | None = Field(default=None, description="The episode's index within its run.")


class ImprovementPlan(BaseModel):
    """What went wrong in one episode and how the next attempt should go."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    episode: EpisodeRef
    failure_label: FailureLabel = Field(description="The diagnosis's primary label.")
    outcome: str = Field(description="How the episode ended (resolved, unresolved, step_limit, ...).")
    original_score: float = Field(ge=0.0, le=1.0, description="The episode's graded score.")
    what_went_wrong: str
    specific_errors: list[str] = Field(
        description="One line per concrete mistake: the classifier's evidence and the steps that failed."
    )
    improved_strategy: str
    plan_steps: list[str] = Field(min_length=1, description="The next attempt, step by step.")
    system_prompt_addon: str = Field(
        description="Feedback for the system prompt's previous-attempt section (no heading)."
    )
    user_context_addon: str = Field(description="A user message to send before the first observation.")
    reflector: Literal["template", "llm"] = Field(description="Which reflector made the plan.")
    fallback_reason: str | None = Field(
        default=None, description="Why the llm reflector fell back to the template, when it did."
    )


def render_retry_context(plan: ImprovementPlan) -> tuple[str, str]:
    """The plan as the retry injects it: (system addon, user addon).

    The system addon is meant for `AgentContext.retry_notes`; the agent's system prompt
    puts it under its previous-attempt heading, so it carries none itself. The user addon
    is a user message of its own, sent before the first observation.
    """
    return plan.system_prompt_addon, plan.user_context_addon


def describe_step(step: StepRecord) -> str:
    """One line for `step`: what the agent did, what came of it, and the reward it earned."""
    action = step.action
    if action is None:
        what = "the reply did not parse as an action"
    else:
        what = _describe_action(action)
        tests = step.summary.tests
        if action.get("action_type") == "run_tests" and tests is not None:
            timed_out = " (timed out)" if tests.timed_out else ""
            what += f": {tests.passed}/{tests.total} passed{timed_out}"
    if step.error:
        what += f", error: {_one_line(step.error)}"
    return f"step {step.index}: {what} (reward {step.reward:+.2f})"


def render_user_addon(
    trajectory: Trajectory,
    failure_label: FailureLabel,
    improved_strategy: str,
    *,
    max_steps: int = SUMMARY_STEPS,
) -> str:
    """The user addon for a plan: the score, the failure, a line per step for the first
    `max_steps` steps with their rewards, and the improved strategy."""
    steps = trajectory.steps
    lines = [
        f"Your previous attempt at this task ended {trajectory.outcome} with score "
        f"{trajectory.score:.2f}; the main failure was {failure_label.value}.",
    ]
    if steps:
        shown = steps[:max_steps]
        lines.append(f"What its first {len(shown)} of {len(steps)} steps did, with the reward each earned:")
        lines += [f"- {describe_step(step)}" for step in shown]
        if len(steps) > len(shown):
            lines.append(f"- ... {len(steps) - len(shown)} more steps not shown")
    else:
        lines.append("It took no steps.")
    lines.append(f"Improved strategy: {improved_strategy}")
    return "\n".join(lines)


def _describe_action(action: dict[str, object]) -> str:
    kind = str(action.get("action_type", "unknown action"))
    path = action.get("path")
    match kind:
        case "search_code":
            where = f" in {path}" if path else ""
            return f"search_code {action.get('query')!r}{where}"
        case "view_code" | "replace_lines":
            start, end = action.get("start_line"), action.get("end_line")
            lines = f" lines {start}-{end or 'end'}" if start is not None else ""
            return f"{kind} {path or ''}{lines}".rstrip()
        case "run_tests":
            target = action.get("target")
            return f"run_tests {target}" if target else "run_tests"
        case _:
            return f"{kind} {path}" if path else kind


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= _MAX_ERROR_CHARS else flat[: _MAX_ERROR_CHARS - 3] + "..."
