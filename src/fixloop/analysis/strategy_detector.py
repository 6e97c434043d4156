"""What strategy an agent followed in one trajectory, read from its steps alone.

`detect_strategy` names one `Strategy`, flags the `SubPattern`s it saw, and measures how
much the agent explored and how often it changed files. It never raises: an empty
trajectory, one made only of parse errors, or one without `task_facts` still gets a profile.

Terms used below:

- A **valid action** is a step that succeeded: its action parsed, has a known `action_type`
  and ran without error. Parse errors and failed actions count as steps but take part in no
  rule. What a **file read**, an **edit**, a **code change**, a **search** and a **test run**
  are is defined once, in `fixloop.analysis.steps`.
- A **test file** is one under `tests/` or `test/`, or named `test_*.py`, `*_test.py` or
  `conftest.py`. A **spec document** is any `*.md` file (`SPEC.md` among them) or a file
  under a `docs/` directory. Every other file is a **module**.
- A read or edit is **search-guided** when it is the first read or edit after a
  `search_code` (other actions in between do not matter). Search results are not kept in
  trajectories, so this stands in for "a file the search named".

Strategies are tried in this order; the first that matches wins:

1. `MINIMAL_EFFORT`: at most `minimal_effort_max_steps` valid actions and no edit, or the
   agent never read, searched or edited a file at all (e.g. it only submitted).
2. `SPEC_DRIVEN`: the first file read is a spec document.
3. `TARGETED_DEBUGGING`: the agent ran the tests or read a failing test file before reading
   any module, then read a module relevant to the failure before its first edit (no edit
   is needed). With `task_facts` naming `relevant_files`, failing test files and relevant
   modules are those among them. Without, any test file counts, and a module is relevant
   when its name (file stem, or package name for `__init__.py`) appears in the paths of
   test files read, or the failing node ids and output of test runs, earlier on.
4. `SYSTEMATIC_SEARCH`: at least `systematic_search_min_searches` searches and at least
   `systematic_search_min_guided_reads` search-guided file reads.
5. `BRUTE_FORCE`: at least `brute_force_min_edits` edits and `brute_force_min_test_runs`
   test runs, with at most `brute_force_max_reads` file reads and searches in all.
6. `RANDOM_EXPLORATION`: everything else.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from fixloop.analysis.steps import (
    action_type,
    edit_path,
    is_code_change,
    is_edit,
    ran_tests,
    read_path,
    search_query,
    succeeded,
)
from fixloop.core.trajectory import StepRecord, TaskFacts, Trajectory
from fixloop.tasks.stats import is_test_file


class Strategy(StrEnum):
    """The overall approach of one episode; see the module docstring for each rule."""

    targeted_debugging = "TARGETED_DEBUGGING"
    systematic_search = "SYSTEMATIC_SEARCH"
    spec_driven = "SPEC_DRIVEN"
    brute_force = "BRUTE_FORCE"
    minimal_effort = "MINIMAL_EFFORT"
    random_exploration = "RANDOM_EXPLORATION"


class SubPattern(StrEnum):
    """A habit seen in the episode, flagged independently of the strategy."""

    search_guided = "SEARCH_GUIDED"
    """At least `search_guided_min_searches` searches, and a search-guided read or edit."""
    read_loop = "READ_LOOP"
    """The same file read `read_loop_repeats` times with no code change in between."""
    verified_fix = "VERIFIED_FIX"
    """An edit, then a test run after the last code change, and that run's tests all passed."""


class StrategyThresholds(BaseModel):
    """The numbers behind the rules; the defaults suit episodes of a few to a few dozen steps."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    minimal_effort_max_steps: int = Field(
        default=2, ge=0, description="MINIMAL_EFFORT: at most this many valid actions, none an edit."
    )
    systematic_search_min_searches: int = Field(
        default=2, ge=1, description="SYSTEMATIC_SEARCH: at least this many searches."
    )
    systematic_search_min_guided_reads: int = Field(
        default=1, ge=1, description="SYSTEMATIC_SEARCH: at least this many search-guided file reads."
    )
    brute_force_min_edits: int = Field(default=2, ge=1, description="BRUTE_FORCE: at least this many edits.")
    brute_force_min_test_runs: int = Field(
        default=2, ge=1, description="BRUTE_FORCE: at least this many test runs."
    )
    brute_force_max_reads: int = Field(
        default=1, ge=0, description="BRUTE_FORCE: at most this many file reads and searches together."
    )
    read_loop_repeats: int = Field(
        default=3, ge=2, description="READ_LOOP: reads of one file, with no code change between them."
    )
    search_guided_min_searches: int = Field(
        default=1, ge=1, description="SEARCH_GUIDED: at least this many searches."
    )


class StrategyProfile(BaseModel):
    """How one episode went about the task.

    - `strategy`: the first strategy whose rule matched (see the module docstring).
    - `sub_patterns`: the sub-patterns seen, in `SubPattern` order, each at most once.
    - `exploration_ratio`: file reads, listings and searches (every `read_file`,
      `view_code` and `search_code`) over valid actions; 0 when there is no valid action.
    - `pivots`: how often the agent's focus moved to another module. Take the file reads
      and edits of modules (test files and spec documents left out), in order, and merge
      consecutive ones on the same file; `pivots` is the number of runs minus one (0 when
      there are none). Reading `a.py`, `tests/test_a.py`, `a.py`, `b.py`, `a.py` is 2.
    - `evidence`: one sentence naming the steps that decided the strategy.
    """

    strategy: Strategy
    sub_patterns: list[SubPattern] = Field(default_factory=list)
    exploration_ratio: float = Field(ge=0.0, le=1.0)
    pivots: int = Field(ge=0)
    evidence: str


def detect_strategy(trajectory: Trajectory, thresholds: StrategyThresholds | None = None) -> StrategyProfile:
    """The strategy profile of `trajectory`, judged with `thresholds` (the defaults when None).

    Reads only the trajectory's steps and `task_facts`; never raises.
    """
    limits = thresholds or StrategyThresholds()
    episode = _Episode(
        steps=len(trajectory.steps),
        actions=[s for s in trajectory.steps if succeeded(s)],
        facts=trajectory.task_facts,
    )
    strategy, evidence = _decide(episode, limits)
    explored = sum(action_type(a) in ("read_file", "view_code", "search_code") for a in episode.actions)
    return StrategyProfile(
        strategy=strategy,
        sub_patterns=[p for p, seen in _sub_patterns(episode, limits).items() if seen],
        exploration_ratio=explored / len(episode.actions) if episode.actions else 0.0,
        pivots=_pivots(episode.actions),
        evidence=evidence,
    )


@dataclass(frozen=True)
class _Episode:
    steps: int
    actions: list[StepRecord]
    """The valid actions, in order."""
    facts: TaskFacts | None


def _path(action: StepRecord) -> str | None:
    """The file a read showed or an edit changed; None for listings, searches and the rest."""
    return read_path(action) or edit_path(action)


def _is_search(action: StepRecord) -> bool:
    return search_query(action) is not None


def _reads_module(action: StepRecord) -> bool:
    path = read_path(action)
    return path is not None and _is_module(path)


def _is_spec(path: str) -> bool:
    return path.lower().endswith(".md") or "docs" in path.split("/")[:-1]


def _is_module(path: str) -> bool:
    return not is_test_file(path) and not _is_spec(path)


# ---- strategies -------------------------------------------------------------------------------


def _minimal_effort(episode: _Episode, limits: StrategyThresholds) -> str | None:
    actions = episode.actions
    if not episode.steps:
        return "the trajectory has no steps"
    if not actions:
        return f"none of its {_count(episode.steps, 'step')} was a valid action"
    done = _listing(actions)
    if len(actions) <= limits.minimal_effort_max_steps and not any(is_edit(a) for a in actions):
        valid = _count(len(actions), "valid action")
        return f"only {valid} in {_count(episode.steps, 'step')} ({done}), none an edit"
    if not any(read_path(a) is not None or is_edit(a) or _is_search(a) for a in actions):
        return f"the agent never read, searched or edited a file ({done})"
    return None


def _spec_driven(episode: _Episode, limits: StrategyThresholds) -> str | None:
    reads = [(a, path) for a in episode.actions if (path := read_path(a)) is not None]
    if not reads or not _is_spec(reads[0][1]):
        return None
    first = reads[0][0]
    clauses = [f"{_said(first, episode.actions)} (a spec document) before any other file"]
    edit = next((a for a in episode.actions if is_edit(a) and a.index > first.index), None)
    if edit is not None:
        clauses.append(_said(edit, episode.actions))
    return ", then ".join(clauses)


def _targeted_debugging(episode: _Episode, limits: StrategyThresholds) -> str | None:
    actions, facts = episode.actions, episode.facts
    relevant = set(facts.relevant_files) if facts is not None and facts.relevant_files else None

    def observes_failure(action: StepRecord) -> bool:
        if ran_tests(action):
            return True
        path = read_path(action)
        return path is not None and is_test_file(path) and (relevant is None or path in relevant)

    first_seen = next((a for a in actions if observes_failure(a)), None)
    first_module = next((a for a in actions if _reads_module(a)), None)
    if first_seen is None or (first_module is not None and first_module.index < first_seen.index):
        return None
    first_edit = next((a for a in actions if is_edit(a)), None)
    until = first_edit.index if first_edit is not None else None
    found = _first_relevant_read(actions, first_seen.index, until, relevant)
    if found is None:
        return None
    target, why = found
    before = [a for a in actions if a.index < target.index and observes_failure(a)]
    first_run = next((a for a in before if ran_tests(a)), None)
    first_read = next((a for a in before if not ran_tests(a)), None)
    shown = sorted((a for a in (first_run, first_read) if a is not None), key=lambda a: a.index)
    clauses = [_said(a, actions) for a in shown] + [f"{_said(target, actions)} ({why})"]
    edit = next((a for a in actions if is_edit(a) and a.index > target.index), None)
    if edit is not None:
        clauses.append(_said(edit, actions))
        check = next((a for a in actions if ran_tests(a) and a.index > edit.index), None)
        if check is not None:
            clauses.append(_said(check, actions))
    return ", ".join(clauses)


def _first_relevant_read(
    actions: Sequence[StepRecord], after: int, until: int | None, relevant: set[str] | None
) -> tuple[StepRecord, str] | None:
    """The first module read after step `after` and before step `until` that is relevant, and why."""
    for action in actions:
        if until is not None and action.index > until:
            return None
        path = read_path(action)
        if action.index <= after or path is None or not _is_module(path):
            continue
        why = _relevance(path, [a for a in actions if a.index < action.index], relevant)
        if why is not None:
            return action, why
    return None


def _systematic_search(episode: _Episode, limits: StrategyThresholds) -> str | None:
    searches = [a for a in episode.actions if _is_search(a)]
    guided = [(s, r) for s, r in _guided(episode.actions) if read_path(r) is not None]
    if len(searches) < limits.systematic_search_min_searches:
        return None
    if len(guided) < limits.systematic_search_min_guided_reads:
        return None
    reads = ", ".join(
        f"{_said(read, episode.actions)} after searching for {search_query(s)!r}" for s, read in guided
    )
    return f"{_count(len(searches), 'search', 'searches')} ({_steps(searches)}) guided the reads: {reads}"


def _brute_force(episode: _Episode, limits: StrategyThresholds) -> str | None:
    actions = episode.actions
    edits = [a for a in actions if is_edit(a)]
    runs = [a for a in actions if ran_tests(a)]
    reads = sum(read_path(a) is not None or _is_search(a) for a in actions)
    if len(edits) < limits.brute_force_min_edits or len(runs) < limits.brute_force_min_test_runs:
        return None
    if reads > limits.brute_force_max_reads:
        return None
    return (
        f"{_steps(edits)} edited code and {_steps(runs)} ran the tests, "
        f"with {_count(reads, 'file read or search', 'file reads or searches')} in all"
    )


def _random_exploration(episode: _Episode) -> str:
    actions = episode.actions
    parts = []
    reads = [a for a in actions if read_path(a) is not None]
    if reads:
        files = list(dict.fromkeys(p for p in map(read_path, reads) if p is not None))
        parts.append(f"{_steps(reads)} read {_count(len(files), 'file')} ({', '.join(files)})")
    searches = [a for a in actions if _is_search(a)]
    if searches:
        parts.append(f"{_steps(searches)} searched")
    edits = [a for a in actions if is_edit(a)]
    if edits:
        parts.append(f"{_steps(edits)} edited code")
    runs = [a for a in actions if ran_tests(a)]
    if runs:
        parts.append(f"{_steps(runs)} ran the tests")
    return "no failing test, spec or search led the work: " + ", ".join(parts)


_RULES: list[tuple[Strategy, Callable[[_Episode, StrategyThresholds], str | None]]] = [
    (Strategy.minimal_effort, _minimal_effort),
    (Strategy.spec_driven, _spec_driven),
    (Strategy.targeted_debugging, _targeted_debugging),
    (Strategy.systematic_search, _systematic_search),
    (Strategy.brute_force, _brute_force),
]
"""The precedence order: the first rule that returns evidence decides the strategy."""


def _decide(episode: _Episode, limits: StrategyThresholds) -> tuple[Strategy, str]:
    """The strategy and its evidence: the first matching rule's, else RANDOM_EXPLORATION."""
    for strategy, rule in _RULES:
        evidence = rule(episode, limits)
        if evidence is not None:
            return strategy, evidence
    return Strategy.random_exploration, _random_exploration(episode)


# ---- sub-patterns and measures ----------------------------------------------------------------


def _sub_patterns(episode: _Episode, limits: StrategyThresholds) -> dict[SubPattern, bool]:
    actions = episode.actions
    searches = sum(_is_search(a) for a in actions)
    return {
        SubPattern.search_guided: searches >= limits.search_guided_min_searches and bool(_guided(actions)),
        SubPattern.read_loop: _has_read_loop(actions, limits.read_loop_repeats),
        SubPattern.verified_fix: _has_verified_fix(actions),
    }


def _guided(actions: Sequence[StepRecord]) -> list[tuple[StepRecord, StepRecord]]:
    """Each search paired with the first file read or edit after it, if any."""
    pairs = []
    pending: StepRecord | None = None
    for action in actions:
        if _is_search(action):
            pending = action
        elif pending is not None and _path(action) is not None:
            pairs.append((pending, action))
            pending = None
    return pairs


def _has_read_loop(actions: Sequence[StepRecord], repeats: int) -> bool:
    reads: dict[str, int] = {}
    for action in actions:
        if is_code_change(action):
            reads.clear()
        elif (path := read_path(action)) is not None:
            reads[path] = reads.get(path, 0) + 1
            if reads[path] >= repeats:
                return True
    return False


def _has_verified_fix(actions: Sequence[StepRecord]) -> bool:
    if not any(is_edit(a) for a in actions):
        return False
    last_change = max(a.index for a in actions if is_code_change(a))
    runs = [a for a in actions if ran_tests(a) and a.index > last_change]
    tests = runs[-1].summary.tests if runs else None
    return tests is not None and tests.total > 0 and tests.passed == tests.total and not tests.timed_out


def _pivots(actions: Sequence[StepRecord]) -> int:
    focus = [p for p in map(_path, actions) if p is not None and _is_module(p)]
    runs = [path for i, path in enumerate(focus) if i == 0 or focus[i - 1] != path]
    return max(len(runs) - 1, 0)


def _relevance(path: str, earlier: Sequence[StepRecord], relevant: set[str] | None) -> str | None:
    """Why the module at `path` is relevant to the failure, or None when it is not.

    With `relevant` (the task's relevant files) it must be one of them; without, its name
    must appear in the `earlier` actions' test-file paths or test runs.
    """
    if relevant is not None:
        return "relevant to the failure" if path in relevant else None
    return "named by the failing tests" if _named_by(path, earlier) else None


def _named_by(path: str, earlier: Sequence[StepRecord]) -> bool:
    """Whether the module's name appears in earlier test-file reads or test runs."""
    stem = posixpath.splitext(posixpath.basename(path))[0]
    name = posixpath.basename(posixpath.dirname(path)) if stem == "__init__" else stem
    if not name:
        return False
    pattern = re.compile(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])")
    texts = []
    for action in earlier:
        read = read_path(action)
        if read is not None and is_test_file(read):
            texts.append(read)
        elif ran_tests(action) and action.summary.tests is not None:
            texts.append(action.summary.test_output or "")
            texts.extend(action.summary.tests.failing)
    return any(pattern.search(text) for text in texts)


# ---- wording ----------------------------------------------------------------------------------


def _said(action: StepRecord, actions: Sequence[StepRecord]) -> str:
    """`action` as a clause, e.g. "step 3 read calc.py"; a test run after another "re-ran" them."""
    again = any(ran_tests(a) and a.index < action.index for a in actions)
    return f"step {action.index} {_verb(action, again)}"


def _verb(action: StepRecord, again: bool = False) -> str:
    match action_type(action):
        case "read_file":
            return f"read {read_path(action)}"
        case "view_code":
            path = read_path(action)
            return f"viewed {path}" if path is not None else "listed the files"
        case "search_code":
            return f"searched for {search_query(action)!r}"
        case "replace_lines":
            return f"edited {edit_path(action)}"
        case "write_file":
            return f"wrote {edit_path(action)}"
        case "run_tests":
            return "re-ran the tests" if again else "ran the tests"
        case "undo_edit":
            return "undid an edit"
        case "reset":
            return "reset the repository"
    return "submitted"


def _listing(actions: Sequence[StepRecord]) -> str:
    """Every action as a clause, consecutive equal ones grouped: "steps 1 and 2 ran the tests"."""
    groups: list[tuple[str, list[StepRecord]]] = []
    for action in actions:
        verb = _verb(action)
        if groups and groups[-1][0] == verb:
            groups[-1][1].append(action)
        else:
            groups.append((verb, [action]))
    return ", ".join(f"{_steps(group)} {verb}" for verb, group in groups)


def _steps(actions: Sequence[StepRecord]) -> str:
    """ "step 4", or "steps 1, 3 and 5"."""
    numbers = [str(a.index) for a in actions]
    if len(numbers) == 1:
        return f"step {numbers[0]}"
    return f"steps {', '.join(numbers[:-1])} and {numbers[-1]}"


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else plural or singular + 's'}"
