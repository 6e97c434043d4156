"""`DebugEnv`: an OpenEnv-style debugging environment — `reset`, `step`, `state`.

The environment owns a `Workspace` (a private copy of the task's repository) and runs tests
through a `Sandbox`. Agent input never crashes it: malformed or invalid actions — and
whatever the agent's test code left in the workspace (links, FIFOs, huge or deep trees) —
become an observation with `last_action_error` and the scheme's penalty. A sandbox
failure ends the episode with an `infra_error` grade, which is never the agent's fault; so
does any other exception while applying an action, which is a fixloop bug and is logged
with its traceback.

The host's work per step is bounded whatever the workspace holds: listings and snapshots
by the `max_tree_*` and `max_snapshot_bytes` caps (see `fixloop.env.workspace`), the
syntax check by `max_write_bytes` per file with each file's verdict kept until it changes,
and edit summaries by `fixloop.env.bounded_diff`.
"""

from __future__ import annotations

import logging
import posixpath
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.core.grade import Grade, GradeOutcome
from fixloop.core.step_summary import MAX_DIFF_CHARS, MAX_TEST_OUTPUT_CHARS, PassSummary, StepSummary
from fixloop.env.actions import (
    Action,
    ActionParseError,
    ReadFile,
    ReplaceLines,
    RunTests,
    SearchCode,
    ViewCode,
    WriteFile,
    parse_action,
)
from fixloop.env.bounded_diff import bounded_diff
from fixloop.env.dangerous_patterns import newly_dangerous
from fixloop.env.edit_diff import cap_text
from fixloop.env.grader import grade_workspace
from fixloop.env.line_edit import number_lines
from fixloop.env.localization import failure_focus
from fixloop.env.observation import Observation
from fixloop.env.relevance import relevant_files
from fixloop.env.rewards import StepEvent, make_reward_scheme
from fixloop.env.spectrum import Spectrum, spectrum_of
from fixloop.env.test_output import stable_run
from fixloop.env.workspace import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ENTRIES,
    DEFAULT_MAX_SNAPSHOT_BYTES,
    Edit,
    Workspace,
    WorkspaceError,
)
from fixloop.sandbox.base import Sandbox, SandboxError, SandboxLimits, TestOutcome, TestRunResult
from fixloop.tasks.environments import task_interpreter
from fixloop.tasks.python_parse import parse_python
from fixloop.tasks.task import Task, test_file_of

logger = logging.getLogger(__name__)

PARSE_BUDGET_WRITES = 4
"""Python parsed per step for the syntax check, in `max_write_bytes`: test code that plants
new files at every run cannot make every step parse megabytes (what is left is parsed at
later steps); an agent's own edit is one write."""


class EnvConfig(BaseModel):
    """How the environment behaves. Every field has a documented default."""

    model_config = ConfigDict(extra="forbid")

    reward: Literal["potential", "tracefix", "navrepair"] = Field(
        default="potential", description="Reward scheme: the default potential-based one or a preset."
    )
    view_window: int = Field(default=60, ge=5, description="Lines view_code shows when no end is given.")
    max_read_chars: int = Field(default=20_000, ge=1_000, description="read_file shows at most this much.")
    max_write_bytes: int = Field(
        default=200_000,
        ge=1_000,
        description="Largest file an edit may write; larger Python files are not syntax-checked.",
    )
    max_tree_entries: int = Field(
        default=DEFAULT_MAX_ENTRIES,
        ge=100,
        description="Workspace entries a listing or snapshot visits at most (raised to fit the task).",
    )
    max_tree_depth: int = Field(
        default=DEFAULT_MAX_DEPTH,
        ge=2,
        description="Directory levels a listing descends and a path may have (raised to fit the task).",
    )
    max_snapshot_bytes: int = Field(
        default=DEFAULT_MAX_SNAPSHOT_BYTES,
        ge=1_000_000,
        description="Sum of file sizes a workspace snapshot reads at most (raised to fit the task).",
    )
    max_search_results: int = Field(
        default=40, ge=1, description="search_code lists at most this many lines."
    )
    max_test_output_chars: int = Field(default=6_000, ge=500, description="Test output kept in observations.")
    context_radius: int = Field(default=10, ge=1, description="Lines either side in localized_context.")
    limits: SandboxLimits = Field(
        default_factory=SandboxLimits, description="Sandbox limits; the wall timeout comes from the task."
    )


class StepResult(BaseModel):
    """What `step` returns."""

    observation: Observation
    reward: float
    done: bool
    action: dict[str, Any] | None = Field(
        default=None, description="The action as parsed, or None when the input did not parse."
    )
    summary: StepSummary = Field(
        default_factory=StepSummary, description="What the step did, for trajectories and analysis."
    )
    info: dict[str, Any] = Field(default_factory=dict)


class EnvState(BaseModel):
    """A snapshot of the episode for inspection; it holds nothing the agent may not see."""

    task_id: str | None
    step_count: int
    max_steps: int
    done: bool
    pass_fraction: float
    cumulative_reward: float
    edits: int
    changed_files: list[str]
    grade: Grade | None


@dataclass
class _Output:
    action_output: str | None = None
    code_view: str | None = None


class DebugEnv:
    """The debugging environment. One episode at a time; call `close` when done with it."""

    def __init__(self, sandbox: Sandbox, config: EnvConfig | None = None) -> None:
        self.sandbox = sandbox
        self.config = config or EnvConfig()
        self._task: Task | None = None
        self._workspace: Workspace | None = None
        self._episode_dir: Path | None = None

    # ---- the OpenEnv surface -------------------------------------------------------------

    def reset(self, task: Task) -> Observation:
        """Start an episode on `task` with a fresh workspace; returns the first observation.

        The tests run with the task's environment (see `fixloop.tasks.environments`), which
        must be built already: raises `SandboxError` (an infrastructure failure) naming the
        command that builds it when it is not, or when the task's interpreter cannot serve.
        """
        self._close_workspace()
        python = task_interpreter(task)
        self._task = task
        # The episode's directory holds the workspace and the grading copies, so the
        # sandbox can serve every run of the episode from one warm worker.
        self._episode_dir = self.sandbox.open_episode(python)
        self._workspace = Workspace(
            task.files,
            max_write_bytes=self.config.max_write_bytes,
            max_entries=self.config.max_tree_entries,
            max_depth=self.config.max_tree_depth,
            max_snapshot_bytes=self.config.max_snapshot_bytes,
            parent=self._episode_dir,
        )
        self._scheme = make_reward_scheme(self.config.reward)
        self._scheme.reset(task)
        self._relevant = relevant_files(task)
        self._steps = 0
        self._done = False
        self._grade: Grade | None = None
        self._cumulative = 0.0
        self._read_paths: set[str] = set()
        self._written_fix_files: set[str] = set()
        self._last_action_type: str | None = None
        self._repeat_count = 0
        # The buggy repository's known state: pass_to_pass pass, fail_to_pass fail.
        self._status = {node: node in task.pass_to_pass for node in task.graded_tests}
        self._last_run: TestRunResult | None = None
        self._last_spectrum: Spectrum | None = None
        self._last_test_output: str | None = None
        self._localized: str | None = None
        self._verdicts: dict[tuple[str, str], str | None] = {}
        return self._observe(_Output(action_output="A new episode started."), None, None, 0.0, None)

    def step(self, action: Action | dict[str, Any] | str) -> StepResult:
        """Apply one action (an `Action`, a dict or a JSON string) and return the result.

        Raises RuntimeError only when called before `reset` (a programming error); every
        problem with the action itself becomes `last_action_error` in the observation, and
        any other failure while applying it ends the episode as `infra_error`.
        """
        if self._task is None or self._workspace is None:
            raise RuntimeError("call reset(task) before step()")
        if self._done:
            event = StepEvent(
                step=self._steps,
                action_type=None,
                after_done=True,
                error="the episode is over; call reset(task) to start a new one",
            )
            reward = self._scheme.reward(event)
            observation = self._observe(_Output(), None, event.error, reward, self._syntax_error())
            return StepResult(observation=observation, reward=reward, done=True, info={"after_done": True})

        self._steps += 1
        self._summary = StepSummary()
        info: dict[str, Any] = {}
        try:
            parsed: Action | None = parse_action(action)
        except ActionParseError as exc:
            parsed = None
            event = StepEvent(step=self._steps, action_type=None, error=str(exc))
            output = _Output()
        if parsed is not None:
            kind = parsed.action_type
            self._repeat_count = self._repeat_count + 1 if kind == self._last_action_type else 0
            self._last_action_type = kind
            event = StepEvent(
                step=self._steps,
                action_type=kind,
                repeat_count=self._repeat_count,
                pass_fraction_before=self._pass_fraction(),
                pass_fraction_after=self._pass_fraction(),
            )
            try:
                output = self._dispatch(parsed, event)
            except WorkspaceError as exc:
                event.error = str(exc)
                output = _Output()
            except SandboxError as exc:
                output = self._end_with_infra_error(event, "the sandbox", str(exc))
                info["infra_error"] = str(exc)
            except Exception as exc:  # a fixloop bug: never the agent's fault, never a crash
                output = self._end_with_bug(event, exc)
                info["infra_error"] = event.error
        else:
            self._last_action_type = None
            self._repeat_count = 0

        if not self._done and self._steps >= self._task.max_steps:
            info["truncated"] = True
            try:
                grade = self._finish()
            except Exception as exc:  # a fixloop bug: never the agent's fault, never a crash
                self._end_with_bug(event, exc)
                info["infra_error"] = event.error
            else:
                output.action_output = (
                    output.action_output or ""
                ) + "\nStep budget used up; the work was graded."
                if grade.outcome is GradeOutcome.infra_error:
                    info["infra_error"] = grade.error

        # One scan of the edited files per step: the rewards and the observation share it.
        syntax_error = self._syntax_error()
        if syntax_error is not None and (event.tests_run or event.grade is not None):
            event.syntax_error = True
        reward = self._scheme.reward(event)
        self._cumulative += reward
        if self._grade is not None:
            info["grade"] = self._grade.model_dump(mode="json")
        observation = self._observe(output, event.action_type, event.error, reward, syntax_error)
        action_data = parsed.model_dump(mode="json") if parsed is not None else None
        summary = self._summary
        summary.path = summary.path or event.read_path
        if event.action_type in ("view_code", "read_file", "search_code") and event.error is None:
            summary.chars_read = len(output.code_view or output.action_output or "")
        summary.pass_fraction = event.pass_fraction_after if parsed is not None else self._pass_fraction()
        summary.syntax_error = syntax_error
        return StepResult(
            observation=observation,
            reward=reward,
            done=self._done,
            action=action_data,
            summary=summary,
            info=info,
        )

    def state(self) -> EnvState:
        """The episode's current state."""
        workspace = self._workspace
        return EnvState(
            task_id=self._task.id if self._task else None,
            step_count=getattr(self, "_steps", 0),
            max_steps=self._task.max_steps if self._task else 0,
            done=getattr(self, "_done", False),
            pass_fraction=self._pass_fraction() if self._task else 0.0,
            cumulative_reward=getattr(self, "_cumulative", 0.0),
            edits=len(workspace.history) if workspace else 0,
            changed_files=workspace.changed_files() if workspace else [],
            grade=getattr(self, "_grade", None),
        )

    def grade(self) -> Grade:
        """Grade the workspace as it is now, without ending the episode or counting a step.

        For runners recording what an agent left when it stopped early; a sandbox failure
        gives an `infra_error` grade.
        """
        if self._task is None or self._workspace is None:
            raise RuntimeError("call reset(task) before grade()")
        grade, _ = grade_workspace(
            self._task, self.workspace.snapshot(), self.sandbox, self._limits(), scratch=self._episode_dir
        )
        return grade

    def close(self) -> None:
        """End the episode and delete its workspace. The sandbox belongs to the caller and stays open."""
        self._close_workspace()

    # ---- actions ---------------------------------------------------------------------------

    def _dispatch(self, action: Action, event: StepEvent) -> _Output:
        match action.action_type:
            case "view_code":
                return self._view_code(action, event)  # type: ignore[arg-type]
            case "read_file":
                return self._read_file(action, event)  # type: ignore[arg-type]
            case "search_code":
                return self._search_code(action)  # type: ignore[arg-type]
            case "replace_lines":
                return self._replace_lines(action, event)  # type: ignore[arg-type]
            case "write_file":
                return self._write_file(action, event)  # type: ignore[arg-type]
            case "run_tests":
                return self._run_tests(action, event)  # type: ignore[arg-type]
            case "undo_edit":
                edit = self.workspace.undo()
                self._note_change(edit.path, edit.after, edit.before)
                self._localized = None
                return _Output(action_output=f"Reverted the last edit to {edit.path}.")
            case "reset":
                assert self._task is not None
                current, changed = self.workspace.snapshot(), self.workspace.changed_files()
                self.workspace.restore()
                for path in changed:
                    self._note_change(path, current.get(path), self._task.files.get(path))
                self._localized = None
                return _Output(action_output="The repository is back to its original state.")
            case "submit":
                grade = self._finish()
                event.grade = grade
                event.pass_fraction_after = grade.pass_fraction if grade.outcome != "infra_error" else 0.0
                return _Output(action_output=f"Submitted: {grade.outcome} (score {grade.score:.2f}).")
        raise AssertionError(f"unhandled action {action.action_type}")  # pragma: no cover

    @property
    def workspace(self) -> Workspace:
        assert self._workspace is not None
        return self._workspace

    def _note_read(self, path: str, event: StepEvent) -> None:
        event.read_path = path
        event.first_read = path not in self._read_paths
        event.relevant_read = path in self._relevant
        self._read_paths.add(path)

    def _view_code(self, action: ViewCode, event: StepEvent) -> _Output:
        if action.path is None:
            listing, texts = self.workspace.listing(), self.workspace.snapshot()
            lines = []
            for rel in listing.files:
                text = texts.get(rel)
                size = "binary or too large" if text is None else f"{len(text.splitlines())} lines"
                lines.append(f"{rel} ({size})")
            return _Output(action_output="\n".join(lines + listing.remarks()))
        text = self.workspace.read(action.path)
        path = self.workspace.resolve(action.path)
        total = len(text.splitlines())
        start = action.start_line or 1
        end = action.end_line or start + self.config.view_window - 1
        if start > max(total, 1):
            raise WorkspaceError(f"start_line {start} is past the end of {path}, which has {total} lines")
        if end < start:
            raise WorkspaceError(f"end_line {end} is before start_line {start}")
        end = min(end, total)
        self._note_read(path, event)
        header = f"{path} (lines {start}-{end} of {total})"
        return _Output(code_view=header + "\n" + number_lines(text, start, end))

    def _read_file(self, action: ReadFile, event: StepEvent) -> _Output:
        text = self.workspace.read(action.path)
        path = self.workspace.resolve(action.path)
        self._note_read(path, event)
        rendered = number_lines(text)
        if len(rendered) > self.config.max_read_chars:
            rendered = rendered[: self.config.max_read_chars] + (
                "\n... (truncated; use view_code with start_line/end_line for the rest)"
            )
        return _Output(code_view=f"{path} ({len(text.splitlines())} lines)\n{rendered}")

    def _search_code(self, action: SearchCode) -> _Output:
        texts = self.workspace.snapshot()
        if action.path is not None:
            self._require(action.path, "search path")
            prefix = self.workspace.resolve(action.path)
            if prefix != ".":
                texts = {p: t for p, t in texts.items() if p == prefix or p.startswith(prefix + "/")}
        needle = action.query.lower()
        hits: list[str] = []
        total = 0
        for rel in sorted(texts):
            for number, line in enumerate(texts[rel].splitlines(), start=1):
                if needle in line.lower():
                    total += 1
                    if len(hits) < self.config.max_search_results:
                        hits.append(f"{rel}:{number}: {line.strip()}")
        if not hits:
            return _Output(action_output=f"No line contains {action.query!r}.")
        more = f"\n... {total - len(hits)} more matches not shown" if total > len(hits) else ""
        return _Output(action_output=f"{total} matches for {action.query!r}:\n" + "\n".join(hits) + more)

    def _note_write(self, edit: Edit, before: str, after: str, event: StepEvent) -> None:
        """Record an agent's edit: `before`/`after` are the replaced and the new text."""
        path = edit.path
        event.write_path = path
        if path in self._task_fix_paths and path not in self._written_fix_files:
            event.first_write_to_fix_file = True
            self._written_fix_files.add(path)
        dangerous = newly_dangerous(before, after)
        event.dangerous_written = sum(dangerous.values())
        self._summary.dangerous = dangerous
        self._note_change(path, edit.before, edit.after)

    def _note_change(self, path: str, before: str | None, after: str | None) -> None:
        """Add one file's change to the step's summary (in bounded time: `bounded_diff`)."""
        summary = self._summary
        summary.path = summary.path or path
        lines, diff = bounded_diff(path, before, after)
        summary.lines_changed += lines
        summary.diff = cap_text((summary.diff or "") + diff, MAX_DIFF_CHARS)

    @property
    def _task_fix_paths(self) -> list[str]:
        assert self._task is not None
        return self._task.fix_paths

    def _replace_lines(self, action: ReplaceLines, event: StepEvent) -> _Output:
        edit, replaced = self.workspace.replace_lines(
            action.path, action.start_line, action.end_line, action.new_code
        )
        self._note_write(edit, "\n".join(replaced), action.new_code, event)
        if not action.new_code.strip():
            event.lines_deleted_by_empty_block = action.end_line - action.start_line + 1
        new_lines = len(action.new_code.splitlines())
        self._focus_on(edit.path, action.start_line)
        return _Output(
            action_output=(
                f"Replaced lines {action.start_line}-{action.end_line} of {edit.path} with {new_lines} lines."
            )
        )

    def _write_file(self, action: WriteFile, event: StepEvent) -> _Output:
        edit = self.workspace.write(action.path, action.content)
        self._note_write(edit, edit.before or "", action.content, event)
        self._focus_on(edit.path, 1)
        verb = "Created" if edit.before is None else "Wrote"
        return _Output(action_output=f"{verb} {edit.path} ({len(action.content.splitlines())} lines).")

    def _run_tests(self, action: RunTests, event: StepEvent) -> _Output:
        assert self._task is not None
        targets = action.target.split() if action.target else list(self._task.test_paths)
        for target in targets:
            if target.startswith("-"):
                raise WorkspaceError(f"test target {target!r} is an option; name test paths or node ids")
            self._require(test_file_of(target), "test target")
        if action.coverage:
            run = self.sandbox.run_tests(self.workspace.root, targets, limits=self._limits(), coverage=True)
        else:
            # Without the keyword, so that sandboxes which predate `coverage` keep working.
            run = self.sandbox.run_tests(self.workspace.root, targets, limits=self._limits())
        # Everything the agent sees of the run comes from its stable form (see test_output).
        run = stable_run(run, self.workspace.root)
        for node in self._task.graded_tests:
            if any(_covers(target, node) for target in targets):
                self._status[node] = run.outcome_of(node) == TestOutcome.passed
        event.tests_run = True
        event.pass_fraction_after = self._pass_fraction()
        before_passing = round(event.pass_fraction_before * len(self._status))
        event.newly_passing = max(0, round(event.pass_fraction_after * len(self._status)) - before_passing)
        event.syntax_error = any(
            "SyntaxError" in e.message or "IndentationError" in e.message for e in run.collection_errors
        )
        self._last_run = run
        self._last_spectrum = spectrum_of(run) if action.coverage and run.coverage_missing is None else None
        self._last_test_output = self._format_run(run)
        self._summary.tests = self._pass_summary(run)
        self._summary.test_output = cap_text(self._last_test_output, MAX_TEST_OUTPUT_CHARS)
        focus = failure_focus(run, set(self.workspace.tree()), prefer=self._task.fail_to_pass)
        if focus is not None:
            self._focus_on(*focus)
        return _Output(
            action_output=f"Ran {' '.join(targets)}: {run.passed} passed, "
            f"{run.failed} failed, {run.errors} errors."
        )

    # ---- helpers ---------------------------------------------------------------------------

    def _require(self, path: str, what: str) -> None:
        """Raise WorkspaceError unless `path` is an existing regular file or directory."""
        kind = self.workspace.kind(path)
        if kind is None:
            raise WorkspaceError(f"{what} {path!r} does not exist")
        if kind not in ("file", "directory"):
            raise WorkspaceError(f"{what} {path!r} is a {kind}; links and special files are not followed")

    def _limits(self) -> SandboxLimits:
        assert self._task is not None
        return self.config.limits.model_copy(update={"timeout_s": self._task.timeout_s})

    def _pass_fraction(self) -> float:
        return sum(self._status.values()) / len(self._status) if self._status else 0.0

    def _finish(self) -> Grade:
        grade = self.grade()
        self._grade = grade
        self._done = True
        return grade

    def _end_with_infra_error(self, event: StepEvent, what: str, error: str) -> _Output:
        event.error = f"{what} failed (not your fault): {error}"
        self._grade = Grade(outcome=GradeOutcome.infra_error, score=0.0, pass_fraction=0.0, error=error)
        self._done = True
        return _Output()

    def _end_with_bug(self, event: StepEvent, exc: Exception) -> _Output:
        """End the episode as `infra_error` after an exception that no input should cause."""
        assert self._task is not None
        logger.error(
            "fixloop bug: step %d (%s) of task %s raised; the episode ends as infra_error",
            self._steps,
            event.action_type,
            self._task.id,
            exc_info=exc,
        )
        return self._end_with_infra_error(event, "the environment", f"{type(exc).__name__}: {exc}")

    def _syntax_error(self) -> str | None:
        """The first syntax error among the changed Python files, as "path:line: message".

        Files over `max_write_bytes` characters are not parsed (no edit can have made
        them), at most `PARSE_BUDGET_WRITES` x `max_write_bytes` characters are parsed per
        step, and a file's verdict is kept, keyed by its path and content, for as long as it
        stays changed and the same: an unchanged file is not parsed again.
        """
        texts = self.workspace.snapshot()
        verdicts: dict[tuple[str, str], str | None] = {}
        budget = PARSE_BUDGET_WRITES * self.config.max_write_bytes
        found = None
        for rel in self.workspace.changed_files():
            text = texts.get(rel)
            if text is None or not rel.endswith(".py") or len(text) > self.config.max_write_bytes:
                continue
            key = (rel, text)
            if key in self._verdicts:
                verdict = self._verdicts[key]
            elif len(text) <= budget:
                budget -= len(text)
                verdict = _parse_error(rel, text)
            else:
                continue
            verdicts[key] = verdict
            if verdict is not None:
                found = verdict
                break
        self._verdicts = verdicts
        return found

    def _focus_on(self, path: str, line: int) -> None:
        try:
            text = self.workspace.read(path)
        except WorkspaceError:
            self._localized = None
            return
        radius = self.config.context_radius
        total = len(text.splitlines())
        start, end = max(1, line - radius), min(total, line + radius)
        self._localized = f"{path} around line {line}\n" + number_lines(text, start, end, marker=line)

    @staticmethod
    def _pass_summary(run: TestRunResult) -> PassSummary:
        return PassSummary(
            passed=run.passed,
            total=len(run.tests) + len(run.collection_errors),
            failing=run.failing + [e.node_id for e in run.collection_errors],
            timed_out=run.timed_out,
        )

    def _format_run(self, run: TestRunResult) -> str:
        head = f"{run.passed} passed, {run.failed} failed, {run.errors} errors, {run.skipped} skipped"
        if run.timed_out:
            head += " — the run was killed at the time limit"
        if run.coverage_missing is not None:
            head += f"\n({run.coverage_missing})"
        output = run.output
        cap = self.config.max_test_output_chars
        if len(output) > cap:
            output = output[: cap // 2] + "\n... (output truncated) ...\n" + output[-cap // 2 :]
        return head + "\n" + output

    def _observe(
        self,
        output: _Output,
        action_type: str | None,
        error: str | None,
        reward: float,
        syntax_error: str | None,
    ) -> Observation:
        assert self._task is not None
        summary = self._pass_summary(self._last_run) if self._last_run is not None else None
        listing = self.workspace.listing()
        return Observation(
            task_id=self._task.id,
            task_description=self._task.description,
            repo_tree=listing.files,
            repo_notes=listing.remarks(),
            action_output=output.action_output,
            code_view=output.code_view,
            last_test_output=self._last_test_output,
            pass_summary=summary,
            spectrum=self._last_spectrum,
            localized_context=self._localized,
            syntax_error=syntax_error,
            step_count=self._steps,
            steps_remaining=max(0, self._task.max_steps - self._steps),
            last_action=action_type,
            last_action_error=error,
            reward=reward,
            done=self._done,
        )

    def _close_workspace(self) -> None:
        if self._workspace is not None:
            self._workspace.close()
            self._workspace = None
        if self._episode_dir is not None:
            self.sandbox.end_episode(self._episode_dir)
            self._episode_dir = None


def _parse_error(rel: str, text: str) -> str | None:
    """Why `text` (the file `rel`) is not valid Python, or None when it parses."""
    try:
        parse_python(text, filename=rel)
    except SyntaxError as exc:
        return f"{rel}:{exc.lineno}: {exc.msg}"
    except (ValueError, RecursionError) as exc:  # NUL bytes; nesting too deep for the parser
        return f"{rel}: cannot be parsed ({type(exc).__name__}: {exc})"
    return None


def _covers(target: str, node: str) -> bool:
    """Whether running `target` (a path or node id) runs the test `node`."""
    target = target.rstrip("/")
    if target in (".", ""):
        return True
    if node == target or node.startswith(target + "::") or node.startswith(target + "["):
        return True
    node_file = test_file_of(node)
    return node_file == target or node_file.startswith(target + "/") or posixpath.dirname(node_file) == target
