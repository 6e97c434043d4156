"""`RepairAgent`: a classical automated-program-repair baseline that calls no model.

It is generate-and-validate repair over the environment's own actions:

1. run every test with coverage (`run_tests` with `coverage=True`);
2. localise the fault (`fault_localization`): the deepest project frame of each failing
   test's traceback first, then the lines failing tests ran, by Ochiai score;
3. read the files of the most suspicious lines and try candidate edits on them
   (`repair_candidates`: the synthesis operators, run backwards), most suspicious first;
4. after each candidate run the failing tests' files: a candidate that fixes none of the
   failing tests, or breaks another, is reverted; one that fixes some is checked against
   the whole suite. A full fix is kept and submitted; a partial one is remembered, and
   when the candidates run out the best partial fix is kept and localisation starts again
   from there;
5. submit when everything passes, or when the candidates or the steps run out, first
   reverting unkept edits and putting back the best partial fix, so that the best state
   found is what gets graded.

The agent keeps its own copy of each file it read and of the edits it made, so it knows
the workspace without reading it again. A rejected candidate is reverted with `undo_edit`,
or, with `fold_reverts`, by the next candidate's own `replace_lines` when that is in the
same file (one step instead of two). It is deterministic, never submits later than the
task's step budget allows, and never raises: an internal error submits the work as it is,
with the error in the submit's `thought`.
"""

from __future__ import annotations

import re
from collections.abc import Generator
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict, Field

from fixloop.agents.fault_localization import import_time_lines, rank_lines, top_lines, traceback_lines
from fixloop.agents.repair_candidates import Candidate, candidates_for, prioritize, suspicion_of
from fixloop.env.actions import Action, ReadFile, ReplaceLines, RunTests, Submit, UndoEdit, WriteFile
from fixloop.env.line_edit import common_ends, replace_line_range
from fixloop.env.localization import is_test_path
from fixloop.env.observation import Observation
from fixloop.env.spectrum import Spectrum
from fixloop.tasks.task import test_file_of

_READ_HEADER = re.compile(r".* \((\d+) lines\)")

Policy = Generator[Action, None, None]
"""The search, as a generator of actions; the observation each one led to is `self._observation`."""


class RepairConfig(BaseModel):
    """How hard the repair agent searches. Every field has a documented default."""

    model_config = ConfigDict(extra="forbid")

    max_candidates: int = Field(
        default=40,
        ge=0,
        description="Candidate edits tried at most per episode; the step budget often ends the search first.",
    )
    top_lines: int = Field(
        default=20,
        ge=1,
        description="How many of the most suspicious lines get candidates; the tie at the cut-off is kept.",
    )
    fold_reverts: bool = Field(
        default=True,
        description="Revert a rejected candidate inside the next candidate's edit when both are in one "
        "file (one step per candidate saved); otherwise revert each with undo_edit.",
    )


@dataclass
class _LastEdit:
    """The workspace's most recent edit, which `undo_edit` would revert."""

    path: str
    before: str
    after: str


@dataclass(frozen=True)
class _Evidence:
    """What fault localisation reads from a test run: its spectrum and its output."""

    spectrum: Spectrum | None
    test_output: str

    @classmethod
    def of(cls, observation: Observation) -> _Evidence:
        return cls(observation.spectrum, observation.last_test_output or "")


@dataclass(frozen=True)
class _Partial:
    """A candidate that fixed some failing tests and broke none: `failing` still fail with it."""

    candidate: Candidate
    failing: list[str]
    evidence: _Evidence


class RepairAgent:
    """Generate-and-validate program repair with mutation operators; see the module docstring."""

    name = "repair"

    def __init__(self, config: RepairConfig | None = None) -> None:
        self.config = config or RepairConfig()
        self.reset()

    def reset(self) -> None:
        """Forget the previous episode."""
        self._policy: Policy | None = None
        self._observation: Observation | None = None
        self._base: dict[str, str | None] = {}  # path -> text of the state kept so far; None: unreadable
        self._current: dict[str, str] = {}  # path -> text the workspace holds now
        self._last_edit: _LastEdit | None = None
        self._partial: _Partial | None = None
        self._rejected: set[tuple[str, str]] = set()  # (path, text) of the candidates tried
        self._tried = 0
        self._suite_size = 0

    def act(self, observation: Observation) -> Action:
        """The next action of the search; `submit` once it is over or if anything goes wrong."""
        self._observation = observation
        try:
            if self._policy is None:
                self._policy = self._search()
            return next(self._policy)
        except StopIteration:
            return Submit(thought="The search is over; submitting the best state found.")
        except Exception as exc:  # a baseline must never crash an episode: submit what there is
            self._policy = _finished()
            reason = f"{type(exc).__name__}: {exc}"
            return Submit(thought=f"The repair agent failed internally ({reason}); submitting as is.")

    # ---- the search ------------------------------------------------------------------------

    def _search(self) -> Policy:
        if self._steps_left() < 2:
            return
        yield RunTests(coverage=True, thought="Run every test, tracing the lines each one executes.")
        summary = self._seen().pass_summary
        failing, self._suite_size = (summary.failing, summary.total) if summary else ([], 0)
        evidence = _Evidence.of(self._seen())
        while failing:
            next_round = yield from self._repair_round(failing, evidence)
            if next_round is None:
                break
            failing, evidence = next_round
        yield from self._finish()

    def _repair_round(
        self, failing: list[str], evidence: _Evidence
    ) -> Generator[Action, None, tuple[list[str], _Evidence] | None]:
        """Try candidates, most promising first, on the state kept so far.

        Returns ([], ...) once the tests pass; when the candidates run out, adopts the best
        partial fix and returns what still fails with it and its evidence, for another
        round; returns None when the budget is spent or nothing is left to try. A file is
        read when its most suspicious line beats every line the untried candidates touch.
        """
        project = [p for p in self._seen().repo_tree if p.endswith(".py") and not is_test_path(p)]
        frames = traceback_lines(evidence.test_output, project)
        ranked = top_lines(rank_lines(evidence.spectrum, frames, project), self.config.top_lines)
        suspicion = {(line.path, line.line): line.score for line in ranked}
        files = list(dict.fromkeys(line.path for line in ranked))
        pool = [c for path in files if path in self._base for c in self._candidates_in(path, suspicion)]
        while True:
            untried = [c for c in prioritize(pool, suspicion) if _key(c) not in self._rejected]
            unread = [path for path in files if path not in self._base]
            best_line = max((suspicion_of(c, suspicion) for c in untried), default=-1.0)
            if unread and max(score for (p, _), score in suspicion.items() if p == unread[0]) > best_line:
                if self._steps_left() < 1 + self._cost_of_trying(None):
                    return None
                yield ReadFile(path=unread[0], thought=f"Read {unread[0]}, where suspicious lines are.")
                self._base[unread[0]] = self._read_text(unread[0])
                pool += self._candidates_in(unread[0], suspicion)
                continue
            if untried:
                if self._tried >= self.config.max_candidates:
                    return None
                if self._steps_left() < self._cost_of_trying(untried[0]):
                    return None
                if (yield from self._try(untried[0], failing)):
                    return [], evidence
                continue
            partial = self._partial
            if partial is None or self._steps_left() < 1 + self._cost_of_trying(partial.candidate):
                return None
            yield from self._adopt(partial)
            return partial.failing, partial.evidence

    def _candidates_in(self, path: str, suspicion: dict[tuple[str, int], float]) -> list[Candidate]:
        """Candidates on the suspicious lines of `path` and on the import-time code they read.

        The import-time lines join `suspicion` with the score of the line that reads them.
        """
        text = self._base.get(path)
        if text is None:
            return []
        lines = {line: score for (p, line), score in suspicion.items() if p == path}
        for line, dependencies in import_time_lines(text, lines).items():
            for dependency in dependencies:
                key = (path, dependency)
                suspicion[key] = max(suspicion.get(key, 0.0), lines[line])
        return candidates_for(path, text, [line for (p, line) in suspicion if p == path])

    def _try(self, candidate: Candidate, failing: list[str]) -> Generator[Action, None, bool]:
        """Apply and test `candidate`; True when every test passes with it (it is then kept).

        It helps when some failing tests pass and no other test of their files fails, and
        the whole suite then says the same. A candidate that helps without fixing
        everything is remembered as a partial fix, the best one (fewest failures) first.
        """
        self._tried += 1
        self._rejected.add(_key(candidate))
        yield from self._revert_all(but=candidate.path)
        before = (self._current_text(candidate.path), self._last_edit)
        yield self._move(candidate.path, candidate.text, f"Try {candidate.describe()}.")
        if self._seen().last_action_error:  # the environment refused the edit: nothing changed
            self._current[candidate.path], self._last_edit = before
            return False
        thought = "Run the failing tests' files on the candidate."
        yield RunTests(target=_test_files(failing), coverage=True, thought=thought)
        helps = self._fixes_some(failing)
        summary = self._seen().pass_summary
        if helps and summary is not None and summary.total < self._suite_size:
            if self._steps_left() < 3:
                # No steps left to check the whole suite and still revert: keep only a full fix.
                helps = not summary.failing
            else:
                yield RunTests(coverage=True, thought="It helps: run the whole suite for regressions.")
                helps = self._fixes_some(failing)
        if helps and not self._failing():
            self._base[candidate.path] = candidate.text
            self._partial = None
            return True
        if helps and (self._partial is None or len(self._failing()) < len(self._partial.failing)):
            self._partial = _Partial(candidate, self._failing(), _Evidence.of(self._seen()))
        if not self.config.fold_reverts and self._steps_left() >= 2:
            yield self._move(candidate.path, self._base_text(candidate.path), "Revert it.")
            self._check_edit()
        return False

    def _adopt(self, partial: _Partial) -> Policy:
        """Make the partial fix the state to build on (its file's text in the workspace and the base)."""
        self._partial = None
        candidate = partial.candidate
        yield from self._revert_all(but=candidate.path)
        if self._current_text(candidate.path) != candidate.text:
            yield self._move(candidate.path, candidate.text, f"Keep the partial fix {candidate.describe()}.")
            self._check_edit()
        self._base[candidate.path] = candidate.text

    def _finish(self) -> Policy:
        """Leave the best state found in the workspace, as far as the steps allow; then submit."""
        yield from self._revert_all(but=None)
        partial = self._partial
        if partial is None or self._steps_left() < 2:
            return
        if self._current_text(partial.candidate.path) != partial.candidate.text:
            thought = f"Keep the best partial fix, {partial.candidate.describe()}."
            yield self._move(partial.candidate.path, partial.candidate.text, thought)
            self._check_edit()

    def _revert_all(self, but: str | None) -> Policy:
        """Put the kept text back in every changed file except `but` (when the steps allow)."""
        partial = self._partial
        for path in self._dirty_paths():
            if path == but or self._steps_left() < 2:
                continue
            if partial is not None and but is None and path == partial.candidate.path:
                continue  # `_finish` moves it to the partial fix in one step instead
            yield self._move(path, self._base_text(path), "Revert the rejected candidate.")
            self._check_edit()

    # ---- the agent's model of the workspace -------------------------------------------------

    def _move(self, path: str, target: str, thought: str) -> Action:
        """The one action that turns `path` from what it holds now into `target`."""
        current = self._current_text(path)
        last = self._last_edit
        action: Action
        if last is not None and last.path == path and last.after == current and last.before == target:
            action = UndoEdit(thought=thought)
            self._last_edit = None
        else:
            action = _line_change(path, current, target, thought) or WriteFile(
                path=path, content=target, thought=thought
            )
            self._last_edit = _LastEdit(path, current, target)
        self._current[path] = target
        return action

    def _check_edit(self) -> None:
        """Raises when the environment refused a revert: the agent no longer knows the workspace."""
        error = self._seen().last_action_error
        if error:
            raise RuntimeError(f"an edit failed: {error}")

    def _read_text(self, path: str) -> str | None:
        observation = self._seen()
        if observation.last_action_error or observation.code_view is None:
            return None
        text = _text_of_code_view(observation.code_view)
        if text is not None:
            self._current[path] = text
        return text

    def _current_text(self, path: str) -> str:
        return self._current.get(path, self._base_text(path))

    def _base_text(self, path: str) -> str:
        text = self._base.get(path)
        if text is None:
            raise RuntimeError(f"{path} was never read")
        return text

    def _dirty_paths(self) -> list[str]:
        return [p for p, text in self._current.items() if text != self._base.get(p)]

    def _cost_of_trying(self, candidate: Candidate | None) -> int:
        """Steps to try `candidate` and still leave the best state and submit.

        Reverting elsewhere, the edit, the test run, moving its file back (or to the partial
        fix), moving the partial fix's file if that is another one, and submitting.
        """
        path = candidate.path if candidate is not None else None
        reverts = sum(p != path for p in self._dirty_paths())
        partial_elsewhere = self._partial is not None and self._partial.candidate.path != path
        return reverts + 2 + 1 + int(partial_elsewhere) + 1

    # ---- reading observations ---------------------------------------------------------------

    def _seen(self) -> Observation:
        assert self._observation is not None
        return self._observation

    def _steps_left(self) -> int:
        return self._seen().steps_remaining

    def _failing(self) -> list[str]:
        summary = self._seen().pass_summary
        return list(summary.failing) if summary is not None else []

    def _fixes_some(self, failing: list[str]) -> bool:
        """Whether the last run passed some of `failing` and failed nothing else."""
        observation = self._seen()
        summary = observation.pass_summary
        if observation.last_action_error or summary is None or summary.timed_out:
            return False
        return set(summary.failing) < set(failing)


def _finished() -> Policy:
    """A policy with nothing left to do."""
    yield from ()


def _key(candidate: Candidate) -> tuple[str, str]:
    return (candidate.path, candidate.text)


def _test_files(failing: list[str]) -> str:
    """`run_tests` targets: the files of the `failing` tests, which run them and their neighbours."""
    return " ".join(sorted({test_file_of(node) for node in failing}))


def _text_of_code_view(code_view: str) -> str | None:
    """The file text a `read_file` view shows (`path (N lines)` then `  n | line`); None if cut short."""
    header, _, body = code_view.partition("\n")
    match = _READ_HEADER.fullmatch(header)
    if match is None:
        return None
    lines = []
    for row in body.split("\n") if body else []:
        number, separator, content = row.partition(" | ")
        if not separator or not number[2:].strip().isdigit():
            return None
        lines.append(content + "\n")
    return "".join(lines) if len(lines) == int(match[1]) else None


def _line_change(path: str, current: str, target: str, thought: str) -> ReplaceLines | None:
    """One `replace_lines` turning `current` into `target`, or None when one cannot do it exactly."""
    old, new = current.splitlines(keepends=True), target.splitlines(keepends=True)
    prefix, suffix = common_ends(old, new)
    start, end, block = prefix + 1, len(old) - suffix, new[prefix : len(new) - suffix]
    if end < start:  # a pure insertion: replace_lines needs a line to replace, so take a neighbour
        if prefix < len(old):
            end, block = start, [*block, old[prefix]]
        elif prefix > 0:
            start, block = prefix, [old[prefix - 1], *block]
        else:
            return None
    code = "".join(block)
    try:
        result, _ = replace_line_range(current, start, end, code)
    except ValueError:
        return None
    if result != target:
        return None
    return ReplaceLines(path=path, start_line=start, end_line=end, new_code=code, thought=thought)
