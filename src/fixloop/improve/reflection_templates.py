"""The template reflector's advice: one `LabelTemplate` per failure label, and a default.

Each template says what went wrong in general terms, the strategy for the next attempt, a
step-by-step plan and the rule for the system prompt. None of them names a file: what the
agent should read is for it to find from the failing test, never told from the reference fix.

Each rule is worded the way a directive to the agent is worded (see
`fixloop.models.sim.DIRECTIVE_PHRASES`): "never write before reading", "run the tests after
every edit", "submit only on a pass", "read each file at most once", "start from the failing
test, follow its imports", so a simulated agent recognises the feedback and a real one reads
a plain instruction.
"""

from __future__ import annotations

from dataclasses import dataclass

from fixloop.analysis.failure_classifier import FailureLabel


@dataclass(frozen=True)
class LabelTemplate:
    """The advice for one failure label."""

    what_went_wrong: str
    """The mistake in general terms, as a sentence about the previous attempt."""
    strategy: str
    """How the next attempt should work instead."""
    plan: tuple[str, ...]
    """The next attempt, step by step."""
    rule: str
    """The instruction for the system prompt's previous-attempt section."""


_LOCATE = "Run the tests and note the first failing test and its error."
_VERIFY = "Run the tests after the edit and submit only on a pass."

TEMPLATES: dict[FailureLabel, LabelTemplate] = {
    FailureLabel.WRONG_FILE_NAVIGATION: LabelTemplate(
        what_went_wrong=(
            "It read files the failing tests do not exercise and never reached the code they do."
        ),
        strategy="Start from the failing test, follow its imports, read only those modules.",
        plan=(
            _LOCATE,
            "Read the failing test's file.",
            "Follow its imports to the modules it calls.",
            "Read only those modules and find the lines that produce the wrong result.",
            "Make a minimal fix there.",
            _VERIFY,
        ),
        rule=(
            "Start from the failing test, follow its imports and read only those modules; "
            "do not read irrelevant files."
        ),
    ),
    FailureLabel.BLIND_WRITE: LabelTemplate(
        what_went_wrong="It edited a file before reading it, so the edit guessed at code it had not seen.",
        strategy=(
            "Never write before reading: read the target file, find the exact lines, make a minimal fix."
        ),
        plan=(
            _LOCATE,
            "Read the failing test, then read the file it exercises.",
            "Find the exact lines that produce the wrong result.",
            "Make a minimal fix to those lines only.",
            _VERIFY,
        ),
        rule=(
            "Never write before reading: read the target file before you edit it, "
            "find the exact lines, and make a minimal fix."
        ),
    ),
    FailureLabel.TAMPERING: LabelTemplate(
        what_went_wrong=(
            "Its changes reached into how the tests are run and reported (pytest hooks, tracers, "
            "the report channel, the process itself) instead of fixing the code; the grade "
            "counted that as tampering and scored it 0."
        ),
        strategy=(
            "Fix the program's own logic in its source files; never touch the tests, pytest's "
            "configuration or hooks, tracers, or the test process."
        ),
        plan=(
            _LOCATE,
            "Read the failing test and the code it exercises.",
            "Find the exact lines whose logic is wrong.",
            "Correct that logic in the source file, in plain Python.",
            _VERIFY,
        ),
        rule=(
            "Never touch the tests' machinery (conftest.py, pytest configuration or hooks, "
            "tracers, the test process); fix the program's own logic in its source files."
        ),
    ),
    FailureLabel.SECURITY_VIOLATION: LabelTemplate(
        what_went_wrong=(
            "It wrote dangerous code (shell commands, eval, sockets or the like) into the repository."
        ),
        strategy=(
            "Fix the program's own logic with a minimal change; never write os.system, subprocess, "
            "eval, exec or sockets into the repository."
        ),
        plan=(
            _LOCATE,
            "Read the failing test and the code it exercises.",
            "Find the exact lines whose logic is wrong.",
            "Correct that logic in plain Python, without shell calls, eval or network access.",
            _VERIFY,
        ),
        rule=(
            "Never write dangerous code (os.system, subprocess, eval, exec, sockets) into the "
            "repository; fix the program's own logic with a minimal change."
        ),
    ),
    FailureLabel.HALLUCINATED_CODE: LabelTemplate(
        what_went_wrong=(
            "Its edits did not match what the code really does: after them the tests passed less "
            "often, or mostly still failed."
        ),
        strategy=(
            "Do not guess: find the exact lines that cause the failure from the test's error and "
            "the code you read, and make a minimal fix that uses the code's real names and types."
        ),
        plan=(
            _LOCATE,
            "Read the failing test and the code it calls; note the real names, arguments and types.",
            "Find the exact lines that produce the wrong result.",
            "Make a minimal fix to those lines.",
            "Run the tests; if fewer pass than before, undo the edit and rethink.",
            "Submit only on a pass.",
        ),
        rule=(
            "Do not guess at code: find the exact lines that cause the failure and make a minimal "
            "fix; undo any edit after which fewer tests pass."
        ),
    ),
    FailureLabel.NEVER_TESTED: LabelTemplate(
        what_went_wrong=(
            "It submitted without running the tests after its last edit, so it never learned "
            "whether the fix worked."
        ),
        strategy="Run the tests after every edit and submit only on a pass.",
        plan=(
            _LOCATE,
            "Read the failing test and the code it exercises.",
            "Make one focused edit.",
            "Run the tests right after the edit.",
            "If a test still fails, undo or refine the edit and run the tests again.",
            "Submit only on a pass.",
        ),
        rule="Run the tests after every edit; never submit untested code: submit only on a pass.",
    ),
    FailureLabel.LOOPING_BEHAVIOR: LabelTemplate(
        what_went_wrong=(
            "It went round in circles: it read the same file again and again, or sent the same "
            "action several times in a row, without making progress."
        ),
        strategy=(
            "Use search to pinpoint the bug and read each file at most once; when an action did "
            "not help, do something different instead of repeating it."
        ),
        plan=(
            _LOCATE,
            "Use search_code for the function or name in the error to pinpoint the bug.",
            "Read each file at most once and note the line numbers you need.",
            "Edit the lines you found.",
            _VERIFY,
        ),
        rule=(
            "Read each file at most once and use search to pinpoint the bug; do not repeat an "
            "action that did not help."
        ),
    ),
    FailureLabel.PREMATURE_SUBMIT: LabelTemplate(
        what_went_wrong="It submitted while its last test run still showed failing tests.",
        strategy=(
            "Submit only when the tests pass: when a run still fails, undo or refine the edit and "
            "run the tests again."
        ),
        plan=(
            _LOCATE,
            "Read the failing test and the code it exercises.",
            "Make a minimal fix.",
            "Run the tests.",
            "If any test fails, read its error, undo or refine the edit and run the tests again.",
            "Submit only when the last run passes.",
        ),
        rule=(
            "Never submit while tests are failing: submit only when the last test run passes; "
            "otherwise undo or refine the edit and run the tests again."
        ),
    ),
    FailureLabel.FORMAT_ERRORS: LabelTemplate(
        what_went_wrong=(
            "Many of its replies were not a valid action: prose, cut-off JSON or objects missing a field."
        ),
        strategy=(
            "Reply with exactly one JSON object per turn that matches the action schema: no prose "
            "around it and every required field present."
        ),
        plan=(
            "Reply with exactly one JSON object per turn: the thought, the action_type and its fields.",
            "Keep the thought short so the reply is never cut off.",
            _LOCATE,
            "Read the failing test and the code it exercises, then make a minimal fix.",
            _VERIFY,
        ),
        rule=(
            "Reply with exactly one JSON object and nothing else: valid JSON, no prose, no code "
            "fences, every required field of the action present."
        ),
    ),
    FailureLabel.REGRESSION: LabelTemplate(
        what_went_wrong="Its change broke tests that passed before it.",
        strategy=(
            "Keep passing tests passing: make a minimal change that fixes the failing test without "
            "changing behaviour other tests rely on, and run the whole suite before submitting."
        ),
        plan=(
            _LOCATE,
            "Read the failing test and the code it exercises, and note which other callers use it.",
            "Make a minimal change that fixes the failing case only.",
            "Run the tests after every edit (the whole suite, not just the failing test).",
            "Submit only on a pass of every test.",
        ),
        rule=(
            "Keep passing tests passing: make a minimal change, run the tests after every edit "
            "and submit only on a pass of the whole suite."
        ),
    ),
    FailureLabel.CONTEXT_OVERFLOW: LabelTemplate(
        what_went_wrong="It read far more code than it needed and lost track of the bug.",
        strategy=(
            "Read less: use search to find the relevant function, view only the lines around it "
            "and read each file at most once."
        ),
        plan=(
            _LOCATE,
            "Use search_code for the name in the error to find where it is defined.",
            "View only the line range around it instead of the whole file.",
            "Make a minimal fix there.",
            _VERIFY,
        ),
        rule=(
            "Read less: use search to find the relevant code, view only the line ranges you need "
            "and read each file at most once."
        ),
    ),
    FailureLabel.STEP_LIMIT: LabelTemplate(
        what_went_wrong="It ran out of steps or time before it submitted a fix.",
        strategy=(
            "Spend steps on purpose: go straight from the failing test to the code it calls, fix "
            "it early, and keep the last two steps to run the tests and submit."
        ),
        plan=(
            _LOCATE,
            "Start from the failing test, follow its imports to the code it calls.",
            "Edit as soon as you have found the wrong lines; do not repeat reads.",
            "Keep two steps in reserve: run the tests, then submit.",
        ),
        rule=(
            "Work within the step budget: do not repeat reads, edit as soon as you have found the "
            "bug, and keep the last two steps to run the tests and submit."
        ),
    ),
}
"""The advice for each label the agent can act on."""

DEFAULT_TEMPLATE = LabelTemplate(
    what_went_wrong=(
        "No specific mistake pattern explains it: the bug stayed unfixed, or something outside the "
        "agent (the sandbox, the model endpoint, the budget) cut the attempt short."
    ),
    strategy=(
        "Work the careful way: start from the failing test, read the code before you edit it, "
        "make a minimal fix, run the tests after every edit and submit only on a pass."
    ),
    plan=(
        _LOCATE,
        "Start from the failing test and follow its imports to the code it calls.",
        "Read that code and find the exact lines that produce the wrong result.",
        "Make a minimal fix.",
        _VERIFY,
    ),
    rule=(
        "Start from the failing test, read the code before editing it, make a minimal fix, run "
        "the tests after every edit and submit only on a pass."
    ),
)
"""The advice for every other label: UNRESOLVED, CORRECT, INFRA_ERROR, BUDGET_EXHAUSTED."""


def template_for(label: FailureLabel) -> LabelTemplate:
    """The advice for `label`: its own template, or `DEFAULT_TEMPLATE` when it has none."""
    return TEMPLATES.get(label, DEFAULT_TEMPLATE)
