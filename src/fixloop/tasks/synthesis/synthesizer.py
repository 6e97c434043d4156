"""Turn a correct repository into buggy tasks: try mutants, keep those the tests catch, validate.

A mutant is kept when a run of the whole original suite shows at least one failing and one
passing test; it becomes a task whose fail_to_pass are the failing tests, whose
pass_to_pass are the passing ones, and whose reference fix is the original file. Kept
tasks are then validated (`validate_task`: `repeats` runs per side) and dropped when
flaky or invalid. Every rejected candidate says which check failed, on which side and
with what output (`Rejection`).

Two strategies (`SynthesisConfig.strategy`):

- `coverage` (the default): the suite runs once with coverage (see `coverage_map`);
  mutants on lines no test runs are skipped as `uncovered`; each other mutant first runs
  only the tests that run its line, in run order, in two steps (the first
  `FIRST_CHUNK` tests, then the rest) that stop at the first step with a failure; only a
  mutant caught there gets the run of the whole suite that decides, as above, whether it
  is kept and what its lists are.
- `full`: every mutant runs the whole suite (slower; what synthesis did before coverage,
  kept for comparison: `benchmarks/bench_synthesis.py`).

Both keep the same mutant as the same task. Runs happen `workers` at a time, each worker
thread with an episode (and so a warm worker) of its own and a checkout of the repository
it reuses (`workspace.ReusedCheckout`: the worker then recompiles only the mutated file);
the validations of kept tasks run in the same threads while later candidates are screened.
Everything is deterministic
for a given repository, config and seed, whatever `workers`: candidates are drawn in
batches of `BATCH_SIZE` before any of their results is read, judged in the order drawn,
and validation results are read only once the kept candidates would make `n` tasks.

A task is `easy` when the repository has a single source module (not counting
`__init__.py`), since the bug can only be there; otherwise it is `medium`.
"""

from __future__ import annotations

import ast
import hashlib
import posixpath
import re
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from fixloop.sandbox.base import Interpreter, Sandbox, SandboxError, SandboxLimits, TestOutcome, TestRunResult
from fixloop.tasks.environments import TaskEnvironmentError, repository_interpreter
from fixloop.tasks.python_parse import parse_python
from fixloop.tasks.repo_tree import read_repo_tree, write_repo_tree
from fixloop.tasks.synthesis.bug_report import bug_description, bug_title, failure_line
from fixloop.tasks.synthesis.coverage_map import CoverageMap
from fixloop.tasks.synthesis.index import mutant_key, repository_fingerprint
from fixloop.tasks.synthesis.mutants import Mutant, enumerate_mutants, source_paths
from fixloop.tasks.synthesis.sampling import MutantSampler
from fixloop.tasks.synthesis.workspace import ReusedCheckout
from fixloop.tasks.task import Difficulty, Mutation, Task
from fixloop.tasks.validator import ValidationReport, validate_task
from fixloop.tasks.writer import write_task_dir

BATCH_SIZE = 8
"""Candidates drawn before their results are read; fixed so that `workers` cannot change the output."""

FIRST_CHUNK = 8
"""Tests a coverage-guided mutant runs first; the rest of its tests run only when none of these fails."""

MAX_EXCERPT_CHARS = 600

Verdict = Literal[
    "kept",
    "syntax-error",
    "equivalent",
    "timeout",
    "collection-error",
    "all-fail",
    "no-fail",
    "flaky",
    "invalid",
]
"""What became of a candidate: kept, or the reason it was rejected.

- `syntax-error`: the mutated file does not parse.
- `equivalent`: the same code as the original (ignoring layout), or as an earlier candidate.
- `timeout`: a test run did not finish within `candidate_timeout_s`.
- `collection-error`: pytest could not import a test file.
- `all-fail` / `no-fail`: no test passes / no test fails.
- `flaky` / `invalid`: kept by the test runs, then dropped by validation.
"""

Strategy = Literal["coverage", "full"]

Side = Literal["buggy", "fixed"]


class SynthesisError(ValueError):
    """The repository cannot seed tasks: its tests do not pass, or it has nothing to mutate."""


class SynthesisConfig(BaseModel):
    """How to synthesize tasks from a repository. Every field has a documented default."""

    model_config = ConfigDict(extra="forbid")

    n: int = Field(default=10, ge=1, description="Tasks to make, at most.")
    seed: int = Field(default=0, description="Seeds the choice of mutants: same seed, same tasks.")
    test_paths: list[str] = Field(
        default_factory=lambda: ["tests"], description="Where the tests are; never mutated."
    )
    repeats: int = Field(default=3, ge=1, description="Validation runs per side, to catch flaky tests.")
    workers: int = Field(default=2, ge=1, description="Test runs at once, each in its own warm worker.")
    strategy: Strategy = Field(
        default="coverage",
        description="`coverage`: map lines to tests once, skip uncovered mutants and screen each "
        "mutant with the tests of its line; `full`: run the whole suite for every mutant.",
    )
    max_tries: int | None = Field(
        default=None, ge=1, description="Candidates to try at most; 6 * n when unset."
    )
    candidate_timeout_s: float = Field(
        default=10.0,
        gt=0,
        description="Wall limit of one candidate's test run; a mutant that hangs is rejected.",
    )
    timeout_s: float = Field(default=30.0, gt=0, description="The tasks' wall limit per test run.")
    max_steps: int = Field(default=25, ge=1, description="The tasks' step budget.")

    @property
    def try_limit(self) -> int:
        return self.max_tries if self.max_tries is not None else 6 * self.n


class Rejection(BaseModel):
    """Why a candidate was rejected: the check that failed, where, and the evidence."""

    check: str = Field(description="The check that failed, e.g. 'some test fails', 'validation'.")
    side: Side | None = Field(
        default=None, description="The repository the check failed on: the buggy one or the fixed one."
    )
    detail: str = Field(description="What happened, as one sentence.")
    excerpt: str = Field(default="", description="The test output that shows it, shortened.")


class Candidate(BaseModel):
    """One mutant that was tried, and what became of it."""

    mutation: Mutation
    verdict: Verdict
    task_id: str | None = Field(default=None, description="Set when the mutant became a task.")
    key: str | None = Field(
        default=None, description="The mutant's key (see `index.mutant_key`); None when it does not parse."
    )
    fail_to_pass: int = Field(default=0, description="Tests the mutant made fail in the whole suite.")
    pass_to_pass: int = Field(default=0, description="Tests that still passed in the whole suite.")
    tests_run: int = Field(default=0, description="Test verdicts the candidate's runs produced.")
    reason: Rejection | None = Field(default=None, description="Why it was rejected; None when kept.")


class SynthesisResult(BaseModel):
    """The tasks made, in the order they were found, and every candidate tried."""

    source: str = Field(description="The repository the tasks were made from.")
    seed: int
    requested: int
    strategy: Strategy
    tests: int = Field(description="Tests in the repository's suite.")
    tasks: list[Task]
    candidates: list[Candidate]
    skipped: dict[str, int] = Field(
        default_factory=dict,
        description="Mutants never tried, per reason: `uncovered` (no test runs their line), "
        "`tried-before` (their key is in `known`).",
    )

    @property
    def tried(self) -> int:
        return len(self.candidates)

    @property
    def rejected(self) -> dict[str, int]:
        """How many candidates were rejected, per reason (see `Verdict`), by reason name."""
        counts = Counter(c.verdict for c in self.candidates if c.verdict != "kept")
        return dict(sorted(counts.items()))


@dataclass(frozen=True)
class Baseline:
    """The original repository's suite: its node ids in run order, and with the `coverage`
    strategy which tests run each line."""

    tests: list[str]
    coverage: CoverageMap | None


def synthesize(
    repo: Path,
    sandbox: Sandbox,
    config: SynthesisConfig | None = None,
    *,
    known: Collection[str] = frozenset(),
) -> SynthesisResult:
    """Make up to `config.n` validated buggy tasks from the correct repository at `repo`.

    Mutants whose key (see `index.mutant_key`) is in `known` are skipped as `tried-before`.
    The tests run in the repository's own environment when it declares requirements (a
    `requirements.txt` or `pyproject.toml` dependencies; see `fixloop.tasks.environments`),
    built now if it is not cached. Raises SynthesisError when `repo` is not a directory, its
    environment cannot be built, its tests do not all pass (or none exist), no source file
    offers a mutation site, or (`coverage` strategy) the sandbox's interpreter cannot record
    coverage; SandboxError when the sandbox itself fails. Fewer than `n` tasks come back when
    the mutants or `max_tries` run out.
    """
    config = config or SynthesisConfig()
    if not repo.is_dir():
        raise SynthesisError(f"{repo}: not a directory")
    files = read_repo_tree(repo)
    try:  # the repository's own environment (its requirements.txt or pyproject), built now
        python = repository_interpreter(files)
    except TaskEnvironmentError as exc:
        raise SynthesisError(f"{repo}: its test environment cannot be built: {exc}") from None
    mutants = enumerate_mutants(files, config.test_paths)
    with (
        tempfile.TemporaryDirectory(prefix="fixloop-synthesis-") as scratch,
        _Lanes(sandbox, Path(scratch), config.workers, python) as lanes,
    ):
        baseline = lanes.run(lambda: check_baseline(repo, files, sandbox, config, lanes.directory()))
        if not mutants:
            tests = ", ".join(config.test_paths)
            raise SynthesisError(
                f"{repo}: no Python source file outside {tests} offers a place to plant a bug"
            )
        run = _Synthesis(_task_prefix(repo), files, baseline, sandbox, config, lanes, known)
        tryable = run.coverable(mutants)
        tasks, candidates = run.select(MutantSampler(tryable, config.seed))
    skipped = {"uncovered": len(mutants) - len(tryable), "tried-before": run.tried_before}
    return SynthesisResult(
        source=str(repo),
        seed=config.seed,
        requested=config.n,
        strategy=config.strategy,
        tests=len(baseline.tests),
        tasks=tasks,
        candidates=candidates,
        skipped={reason: count for reason, count in skipped.items() if count},
    )


def check_baseline(
    repo: Path,
    files: Mapping[str, str],
    sandbox: Sandbox,
    config: SynthesisConfig,
    scratch: Path | None = None,
) -> Baseline:
    """The repository's tests (with the `coverage` strategy, and what each runs); raise
    SynthesisError unless every one passes.

    The tests run in a new directory under `scratch` (an episode's, say) when given. With
    the `coverage` strategy, a run that recorded no coverage (coverage.py missing in the
    sandbox's interpreter) raises SynthesisError quoting the run's note.
    """
    coverage = config.strategy == "coverage"
    with _workspace(files, scratch) as workspace:
        run = _run_tests(workspace, sandbox, config, coverage=coverage)
    why = f"{repo} must pass all its tests before bugs can be planted in it, but"
    if run.timed_out:
        raise SynthesisError(
            f"{why} its tests did not finish within {config.candidate_timeout_s:g}s "
            "(raise the candidate timeout)"
        )
    if run.collection_errors:
        error = run.collection_errors[0]
        raise SynthesisError(f"{why} pytest cannot collect {error.node_id}: {failure_line(error.message)}")
    if not run.tests:
        raise SynthesisError(f"{why} pytest found no test in {', '.join(config.test_paths)}")
    failing = [t for t in run.tests if t.outcome != TestOutcome.passed]
    if failing:
        listed = "; ".join(f"{t.node_id} ({t.outcome.value}): {failure_line(t.message)}" for t in failing[:3])
        more = f" and {len(failing) - 3} more" if len(failing) > 3 else ""
        raise SynthesisError(f"{why} {len(failing)} of {len(run.tests)} tests do not pass: {listed}{more}")
    if not coverage:
        return Baseline(tests=[t.node_id for t in run.tests], coverage=None)
    try:
        coverage_map = CoverageMap.of(run.tests)
    except ValueError:
        notes = [line for line in run.output.splitlines() if "coverage" in line.lower()]
        note = run.coverage_missing or (notes[0] if notes else "the run's output does not say why")
        raise SynthesisError(
            f"the sandbox recorded no coverage for {repo}'s tests ({note}); install coverage>=7 into "
            "the interpreter the sandbox runs, or synthesize with the `full` strategy"
        ) from None
    return Baseline(tests=[t.node_id for t in run.tests], coverage=coverage_map)


def write_tasks(tasks: list[Task], directory: Path) -> list[Path]:
    """Write each task to `directory/<task id>/` (see `write_task_dir`); return the paths.

    Raises FileExistsError when one of those directories already holds a task.
    """
    directory.mkdir(parents=True, exist_ok=True)
    return [write_task_dir(task, directory / task.id) for task in tasks]


T = TypeVar("T")


class _Lanes:
    """A thread pool whose every thread has an episode (so a warm worker) of its own, and a
    checkout in it that the thread's candidate runs reuse."""

    def __init__(self, sandbox: Sandbox, scratch: Path, workers: int, python: Interpreter | None) -> None:
        self._sandbox = sandbox
        self._scratch = scratch
        self._python = python
        self._local = threading.local()
        self._directories: list[Path] = []
        self._lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=workers, initializer=self._open)

    def _open(self) -> None:
        directory = Path(tempfile.mkdtemp(prefix="lane-", dir=self._scratch))
        with self._lock:
            self._directories.append(directory)
        self._sandbox.start_episode(directory, self._python)
        self._local.directory = directory
        self._local.checkout = ReusedCheckout(directory)

    def directory(self) -> Path:
        """The calling worker thread's episode directory."""
        directory: Path = self._local.directory
        return directory

    def checkout(self, files: Mapping[str, str]) -> Path:
        """The calling worker thread's checkout, holding exactly `files`."""
        checkout: ReusedCheckout = self._local.checkout
        return checkout.checkout(files)

    def run(self, job: Callable[[], T]) -> T:
        """Run `job` in a worker thread and wait for its result (or exception)."""
        return self.pool.submit(job).result()

    def __enter__(self) -> _Lanes:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
        for directory in self._directories:
            self._sandbox.end_episode(directory)


@dataclass
class _Trial:
    """One candidate's screening: `run` is the whole suite's run, when it got that far;
    `rejection` is set when screening already rejected it."""

    mutant: Mutant
    key: str | None
    run: TestRunResult | None = None
    rejection: tuple[Verdict, Rejection] | None = None
    tests_run: int = 0
    known: bool = False


@dataclass
class _Pending:
    """A kept candidate awaiting its validation."""

    task: Task
    index: int
    messages: dict[str, str]
    report: Future[ValidationReport]


class _Synthesis:
    """The state of one synthesis: what was tried, what is kept, what awaits validation."""

    def __init__(
        self,
        prefix: str,
        files: Mapping[str, str],
        baseline: Baseline,
        sandbox: Sandbox,
        config: SynthesisConfig,
        lanes: _Lanes,
        known: Collection[str],
    ) -> None:
        self.prefix = prefix
        self.files = files
        self.baseline = baseline
        self.sandbox = sandbox
        self.config = config
        self.lanes = lanes
        self.known = known
        self.fingerprint = repository_fingerprint(files)
        sources = source_paths(files, config.test_paths)
        modules = [path for path in sources if posixpath.basename(path) != "__init__.py"]
        self.difficulty = Difficulty.easy if len(modules) <= 1 else Difficulty.medium
        self.original_code = {path: _normalized(files[path]) for path in sources}
        self.seen: dict[str, Candidate] = {}  # by key: the first candidate with that code
        self.candidates: list[Candidate] = []
        self.tasks: list[Task] = []
        self.pending: list[_Pending] = []
        self.tried_before = 0
        self.covering: dict[Mutant, list[str]] = {}

    def coverable(self, mutants: Sequence[Mutant]) -> list[Mutant]:
        """The mutants worth trying: all of them, or (`coverage`) those some test runs."""
        coverage = self.baseline.coverage
        if coverage is None:
            return list(mutants)
        for mutant in mutants:
            self.covering[mutant] = coverage.tests_for(mutant, self.files[mutant.path])
        return [mutant for mutant in mutants if self.covering[mutant]]

    def select(self, sampler: MutantSampler) -> tuple[list[Task], list[Candidate]]:
        """Screen mutants in batches until `n` tasks are kept and validated, or the budget is spent."""
        config = self.config
        while len(self.tasks) < config.n:
            wanted = min(BATCH_SIZE, config.n - len(self.tasks) - len(self.pending))
            batch: list[Mutant] = []
            while len(batch) < wanted and len(self.candidates) + len(batch) < config.try_limit:
                mutant = sampler.take()
                if mutant is None:
                    break
                batch.append(mutant)
            # What the batch's screenings may know of earlier candidates: only earlier batches.
            seen = frozenset(self.seen)
            screenings = [self.lanes.pool.submit(self._screen, mutant, seen) for mutant in batch]
            for screening in screenings:
                trial = screening.result()
                if trial.known:
                    self.tried_before += 1
                    sampler.skip(trial.mutant)
                else:
                    sampler.settle(trial.mutant, self._judge(trial))
            if self.pending and (not batch or len(self.tasks) + len(self.pending) >= config.n):
                self._settle_pending()
            elif not batch:
                break
        return self.tasks, self.candidates

    # ---- screening (worker threads) ------------------------------------------------------

    def _screen(self, mutant: Mutant, seen: Collection[str]) -> _Trial:
        try:
            normalized = _normalized(mutant.text)
        except SyntaxError as exc:
            where = f" (line {exc.lineno})" if exc.lineno else ""
            rejection = Rejection(
                check="the mutated file parses",
                side="buggy",
                detail=f"{mutant.path} does not parse after the mutation",
                excerpt=f"SyntaxError: {exc.msg}{where}",
            )
            return _Trial(mutant, None, rejection=("syntax-error", rejection))
        key = mutant_key(self.fingerprint, mutant.path, normalized)
        if key in self.known:
            return _Trial(mutant, key, known=True)
        if normalized == self.original_code[mutant.path]:
            rejection = Rejection(
                check="the code changes",
                side="buggy",
                detail="the mutant is the original code, ignoring layout and comments",
            )
            return _Trial(mutant, key, rejection=("equivalent", rejection))
        if key in seen:
            return _Trial(mutant, key)  # judged against the earlier candidate, without a run
        files = {**self.files, mutant.path: mutant.text}
        tests_run = 0
        if self.baseline.coverage is not None:
            tests = self.covering[mutant]
            for chunk in (tests[:FIRST_CHUNK], tests[FIRST_CHUNK:]):
                if not chunk:
                    continue
                run = _run_tests(self.lanes.checkout(files), self.sandbox, self.config, targets=chunk)
                tests_run += len(run.tests)
                stopped = _screening_rejection(run, chunk, self.config)
                if stopped is not None:
                    return _Trial(mutant, key, rejection=stopped, tests_run=tests_run)
                if _fails_any(run, chunk):
                    break
            else:
                rejection = Rejection(
                    check="some test fails",
                    side="buggy",
                    detail=f"all {len(tests)} tests that run the mutated line pass"
                    if len(tests) > 1
                    else "the one test that runs the mutated line passes",
                    excerpt=_listing(tests),
                )
                return _Trial(mutant, key, rejection=("no-fail", rejection), tests_run=tests_run)
        run = _run_tests(self.lanes.checkout(files), self.sandbox, self.config)
        return _Trial(mutant, key, run=run, tests_run=tests_run + len(run.tests))

    # ---- judging (main thread, in the order drawn) ---------------------------------------

    def _judge(self, trial: _Trial) -> bool:
        """Record the candidate's verdict; True when it became a (pending) task."""
        mutation, run = trial.mutant.mutation, trial.run
        record = Candidate(mutation=mutation, verdict="kept", key=trial.key, tests_run=trial.tests_run)
        earlier = self.seen.get(trial.key) if trial.key is not None else None
        if earlier is not None:
            what = f"{earlier.task_id}" if earlier.task_id else f"a candidate rejected as {earlier.verdict}"
            rejection = Rejection(
                check="the bug is new",
                side="buggy",
                detail=f"the same code as an earlier candidate ({earlier.mutation.path}:"
                f"{earlier.mutation.line}, {what})",
            )
            self.candidates.append(record.model_copy(update={"verdict": "equivalent", "reason": rejection}))
            return False
        if trial.rejection is not None or run is None:
            verdict, rejection = trial.rejection or ("invalid", _missing_run())
            self._record(record.model_copy(update={"verdict": verdict, "reason": rejection}))
            return False
        outcomes = {t.node_id: t.outcome.value for t in run.tests}
        failing = [n for n in self.baseline.tests if outcomes.get(n) != TestOutcome.passed]
        passing = [n for n in self.baseline.tests if outcomes.get(n) == TestOutcome.passed]
        record = record.model_copy(update={"fail_to_pass": len(failing), "pass_to_pass": len(passing)})
        judged = _screening_rejection(run, self.baseline.tests, self.config) or _suite_rejection(
            run, failing, passing
        )
        if judged is not None:
            self._record(record.model_copy(update={"verdict": judged[0], "reason": judged[1]}))
            return False
        task = self._task(trial.mutant, run, failing, passing)
        self.pending.append(
            _Pending(
                task=task,
                index=len(self.candidates),
                messages={t.node_id: t.message for t in run.tests},
                report=self.lanes.pool.submit(validate_task, task, self.sandbox, repeats=self.config.repeats),
            )
        )
        self._record(record.model_copy(update={"task_id": task.id}))
        return True

    def _record(self, candidate: Candidate) -> None:
        if candidate.key is not None:
            self.seen.setdefault(candidate.key, candidate)
        self.candidates.append(candidate)

    def _task(self, mutant: Mutant, run: TestRunResult, failing: list[str], passing: list[str]) -> Task:
        messages = {t.node_id: t.message for t in run.tests}
        digest = hashlib.sha256(f"{mutant.path}\0{mutant.text}".encode()).hexdigest()[:8]
        return Task(
            id=f"{self.prefix}-{mutant.operator}-{digest}",
            title=bug_title(failing),
            description=bug_description(failing, len(self.baseline.tests), messages),
            difficulty=self.difficulty,
            tags=["synthesized", mutant.operator],
            max_steps=self.config.max_steps,
            fail_to_pass=failing,
            pass_to_pass=passing,
            test_paths=self.config.test_paths,
            timeout_s=self.config.timeout_s,
            mutation=mutant.mutation,
            files={**self.files, mutant.path: mutant.text},
            reference_fix={mutant.path: self.files[mutant.path]},
        )

    def _settle_pending(self) -> None:
        """Wait for every pending validation and keep the valid tasks, in the order drawn."""
        for pending in self.pending:
            report = pending.report.result()
            if report.infra_error:
                raise SandboxError("; ".join(report.problems))
            if report.valid:
                self.tasks.append(pending.task)
                continue
            candidate = self.candidates[pending.index]
            verdict: Verdict = "flaky" if report.flaky_tests else "invalid"
            self.candidates[pending.index] = candidate.model_copy(
                update={
                    "verdict": verdict,
                    "task_id": None,
                    "reason": _validation_rejection(report, pending.messages),
                }
            )
        self.pending = []


def _fails_any(run: TestRunResult, targets: Sequence[str]) -> bool:
    """Whether a target did not pass (or was not reported) in `run`."""
    outcomes = {t.node_id: t.outcome for t in run.tests}
    return any(outcomes.get(node) != TestOutcome.passed for node in targets)


def _screening_rejection(
    run: TestRunResult, targets: Sequence[str], config: SynthesisConfig
) -> tuple[Verdict, Rejection] | None:
    """A run that timed out or could not collect its tests, as a rejection; else None."""
    if run.timed_out:
        rejection = Rejection(
            check="the tests finish",
            side="buggy",
            detail=f"the run of {_count(len(targets), 'test')} did not finish within "
            f"{config.candidate_timeout_s:g}s",
            excerpt=_tail(run.output) or _listing(targets),
        )
        return "timeout", rejection
    if run.collection_errors:
        error = run.collection_errors[0]
        rejection = Rejection(
            check="the tests collect",
            side="buggy",
            detail=f"pytest cannot collect {error.node_id}",
            excerpt=_tail(error.message),
        )
        return "collection-error", rejection
    return None


def _suite_rejection(
    run: TestRunResult, failing: list[str], passing: list[str]
) -> tuple[Verdict, Rejection] | None:
    """A whole-suite run in which no test fails, or none passes, as a rejection; else None."""
    if not failing:
        rejection = Rejection(
            check="some test fails", side="buggy", detail=f"all {len(passing)} tests pass on the mutant"
        )
        return "no-fail", rejection
    if not passing:
        first = next((t for t in run.tests if t.outcome != TestOutcome.passed), None)
        excerpt = f"{first.node_id}: {failure_line(first.message)}" if first is not None else ""
        rejection = Rejection(
            check="some test passes",
            side="buggy",
            detail=f"every one of the {len(failing)} tests fails on the mutant",
            excerpt=excerpt,
        )
        return "all-fail", rejection
    return None


def _validation_rejection(report: ValidationReport, messages: Mapping[str, str]) -> Rejection:
    """The first problem validation found, with its side, and every problem as the excerpt.

    A problem naming a test that failed in the candidate's run quotes that failure.
    """
    first = report.problems[0]
    side: Side | None = "fixed" if "fixed repo" in first else "buggy" if "buggy repo" in first else None
    lines = list(report.problems)
    for node, message in messages.items():
        if message and node in first:
            lines.append(f"{node} in the candidate's run: {failure_line(message)}")
            break
    check = "no test is flaky" if report.flaky_tests else "validation"
    return Rejection(check=check, side=side, detail=first, excerpt=_clip("\n".join(lines)))


def _missing_run() -> Rejection:
    return Rejection(check="the tests run", detail="the candidate produced no run of the suite")


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


def _listing(nodes: Sequence[str]) -> str:
    shown = ", ".join(nodes[:5])
    return f"{shown} and {len(nodes) - 5} more" if len(nodes) > 5 else shown


def _tail(text: str) -> str:
    """The end of `text`, where a failure's last words are, within `MAX_EXCERPT_CHARS`."""
    text = text.strip()
    return text if len(text) <= MAX_EXCERPT_CHARS else "..." + text[-MAX_EXCERPT_CHARS:]


def _clip(text: str) -> str:
    return text if len(text) <= MAX_EXCERPT_CHARS else text[:MAX_EXCERPT_CHARS] + "..."


def _run_tests(
    workspace: Path,
    sandbox: Sandbox,
    config: SynthesisConfig,
    *,
    targets: Sequence[str] | None = None,
    coverage: bool = False,
) -> TestRunResult:
    """Run `targets` (the test paths when None) in `workspace`; messages name its files
    relative to it."""
    limits = SandboxLimits(timeout_s=config.candidate_timeout_s)
    chosen = config.test_paths if targets is None else targets
    run = sandbox.run_tests(workspace, chosen, limits=limits, coverage=coverage)
    # The workspace's name is random: keep it out of task descriptions, which must be stable.
    tests = [t.model_copy(update={"message": _relative(t.message, workspace)}) for t in run.tests]
    errors = [
        e.model_copy(update={"message": _relative(e.message, workspace)}) for e in run.collection_errors
    ]
    return run.model_copy(
        update={"tests": tests, "collection_errors": errors, "output": _relative(run.output, workspace)}
    )


@contextmanager
def _workspace(files: Mapping[str, str], scratch: Path | None) -> Iterator[Path]:
    """A fresh workspace holding `files`, under `scratch` when given."""
    with tempfile.TemporaryDirectory(prefix="candidate-", dir=scratch) as tmp:
        yield write_repo_tree(files, Path(tmp))


def _relative(message: str, workspace: Path) -> str:
    """`message` with paths inside `workspace` made relative to it."""
    for root in dict.fromkeys([str(workspace.resolve()), str(workspace)]):
        message = message.replace(f"{root}/", "").replace(root, ".")
    return message


def _normalized(text: str) -> str:
    """The code without layout or comments; raises SyntaxError when `text` does not parse."""
    return ast.dump(parse_python(text))


def _task_prefix(repo: Path) -> str:
    """The repository's directory name, made fit for a task id."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "-", repo.resolve().name).strip("-._")
    return name or "repo"
