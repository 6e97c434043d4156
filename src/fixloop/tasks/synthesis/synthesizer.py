"""Turn a correct repository into buggy tasks: try mutants, keep those the tests catch, validate.

A mutant is kept when its test run shows at least one failing and one passing test of the
original suite; it becomes a task whose fail_to_pass are the failing tests, whose
pass_to_pass are the passing ones, and whose reference fix is the original file. Kept
tasks are then validated (`validate_tasks`, `repeats` runs per side) and dropped when
flaky or invalid. Everything is deterministic for a given repository, config and seed.

A task is `easy` when the repository has a single source module (not counting
`__init__.py`), since the bug can only be there; otherwise it is `medium`.
"""

from __future__ import annotations

import ast
import hashlib
import posixpath
import re
import tempfile
from collections import Counter
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from fixloop.sandbox.base import Sandbox, SandboxError, SandboxLimits, TestOutcome, TestRunResult
from fixloop.tasks.python_parse import parse_python
from fixloop.tasks.repo_tree import read_repo_tree, write_repo_tree
from fixloop.tasks.synthesis.bug_report import bug_description, bug_title, failure_line
from fixloop.tasks.synthesis.mutants import Mutant, enumerate_mutants, source_paths
from fixloop.tasks.synthesis.sampling import MutantSampler
from fixloop.tasks.task import Difficulty, Mutation, Task
from fixloop.tasks.validator import validate_tasks
from fixloop.tasks.writer import write_task_dir

BATCH_SIZE = 4
"""Candidates chosen before their results are read; fixed so that `workers` cannot change the output."""

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
- `equivalent`: the same code as the original (ignoring layout), or as an earlier mutant
  with the same test outcomes.
- `timeout`: the test run did not finish within `candidate_timeout_s`.
- `collection-error`: pytest could not import a test file.
- `all-fail` / `no-fail`: no test passes / no test fails.
- `flaky` / `invalid`: kept by the test run, then dropped by validation.
"""


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
    workers: int = Field(default=2, ge=1, description="Test runs at once.")
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


class Candidate(BaseModel):
    """One mutant that was tried, and what became of it."""

    mutation: Mutation
    verdict: Verdict
    task_id: str | None = Field(default=None, description="Set when the mutant became a task.")
    fail_to_pass: int = Field(default=0, description="Tests the mutant made fail.")
    pass_to_pass: int = Field(default=0, description="Tests that still passed.")
    detail: str = Field(default="", description="Why validation dropped it, when it did.")


class SynthesisResult(BaseModel):
    """The tasks made, in the order they were found, and every candidate tried."""

    source: str = Field(description="The repository the tasks were made from.")
    seed: int
    requested: int
    tasks: list[Task]
    candidates: list[Candidate]

    @property
    def tried(self) -> int:
        return len(self.candidates)

    @property
    def rejected(self) -> dict[str, int]:
        """How many candidates were rejected, per reason (see `Verdict`), by reason name."""
        counts = Counter(c.verdict for c in self.candidates if c.verdict != "kept")
        return dict(sorted(counts.items()))


def synthesize(repo: Path, sandbox: Sandbox, config: SynthesisConfig | None = None) -> SynthesisResult:
    """Make up to `config.n` validated buggy tasks from the correct repository at `repo`.

    Raises SynthesisError when `repo` is not a directory, its tests do not all pass (or
    none exist), or no source file offers a mutation site; SandboxError when the sandbox
    itself fails. Fewer than `n` tasks come back when the mutants or `max_tries` run out.
    """
    config = config or SynthesisConfig()
    if not repo.is_dir():
        raise SynthesisError(f"{repo}: not a directory")
    files = read_repo_tree(repo)
    # Every candidate's workspace lives in one episode, so one warm worker runs them all.
    with tempfile.TemporaryDirectory(prefix="fixloop-synthesis-") as scratch:
        sandbox.start_episode(Path(scratch))
        try:
            baseline = check_baseline(repo, files, sandbox, config, Path(scratch))
            mutants = enumerate_mutants(files, config.test_paths)
            if not mutants:
                tests = ", ".join(config.test_paths)
                raise SynthesisError(
                    f"{repo}: no Python source file outside {tests} offers a place to plant a bug"
                )
            run = _Synthesis(_task_prefix(repo), files, baseline, sandbox, config, Path(scratch))
            tasks, candidates = run.select(MutantSampler(mutants, config.seed))
        finally:
            sandbox.end_episode(Path(scratch))
    return SynthesisResult(
        source=str(repo), seed=config.seed, requested=config.n, tasks=tasks, candidates=candidates
    )


def check_baseline(
    repo: Path,
    files: Mapping[str, str],
    sandbox: Sandbox,
    config: SynthesisConfig,
    scratch: Path | None = None,
) -> list[str]:
    """The node ids of the repository's tests; raise SynthesisError unless every one passes.

    The tests run in a new directory under `scratch` (an episode's, say) when given.
    """
    run = _run_tests(files, sandbox, config, scratch)
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
    return [t.node_id for t in run.tests]


def write_tasks(tasks: list[Task], directory: Path) -> list[Path]:
    """Write each task to `directory/<task id>/` (see `write_task_dir`); return the paths.

    Raises FileExistsError when one of those directories already holds a task.
    """
    directory.mkdir(parents=True, exist_ok=True)
    return [write_task_dir(task, directory / task.id) for task in tasks]


@dataclass
class _Trial:
    """One candidate's run: `normalized` is None when the mutant does not parse."""

    mutant: Mutant
    normalized: str | None
    run: TestRunResult | None


class _Synthesis:
    """The state of one synthesis: what was tried, what is kept, what awaits validation."""

    def __init__(
        self,
        prefix: str,
        files: Mapping[str, str],
        baseline: list[str],
        sandbox: Sandbox,
        config: SynthesisConfig,
        scratch: Path,
    ) -> None:
        self.prefix = prefix
        self.files = files
        self.scratch = scratch
        self.baseline = baseline
        self.sandbox = sandbox
        self.config = config
        sources = source_paths(files, config.test_paths)
        modules = [path for path in sources if posixpath.basename(path) != "__init__.py"]
        self.difficulty = Difficulty.easy if len(modules) <= 1 else Difficulty.medium
        self.original_code = {path: _normalized(files[path]) for path in sources}
        self.seen: set[tuple[str, str, tuple[tuple[str, str], ...]]] = set()
        self.candidates: list[Candidate] = []
        self.tasks: list[Task] = []
        self.pending: list[tuple[Task, int]] = []

    def select(self, sampler: MutantSampler) -> tuple[list[Task], list[Candidate]]:
        """Try mutants in batches until `n` tasks are kept and validated, or the budget is spent."""
        config = self.config
        with ThreadPoolExecutor(max_workers=config.workers) as pool:
            while len(self.tasks) < config.n:
                wanted = min(BATCH_SIZE, config.n - len(self.tasks) - len(self.pending))
                batch: list[Mutant] = []
                while len(batch) < wanted and len(self.candidates) + len(batch) < config.try_limit:
                    mutant = sampler.take()
                    if mutant is None:
                        break
                    batch.append(mutant)
                for trial in pool.map(self._try, batch):
                    kept = self._judge(trial)
                    sampler.settle(trial.mutant, kept)
                if self.pending and (not batch or len(self.tasks) + len(self.pending) >= config.n):
                    self._validate_pending()
                elif not batch:
                    break
        return self.tasks, self.candidates

    def _try(self, mutant: Mutant) -> _Trial:
        try:
            normalized = _normalized(mutant.text)
        except SyntaxError:
            return _Trial(mutant, None, None)
        if normalized == self.original_code[mutant.path]:
            return _Trial(mutant, normalized, None)
        run = _run_tests({**self.files, mutant.path: mutant.text}, self.sandbox, self.config, self.scratch)
        return _Trial(mutant, normalized, run)

    def _judge(self, trial: _Trial) -> bool:
        """Record the candidate's verdict; True when it became a (pending) task."""
        mutation, run = trial.mutant.mutation, trial.run
        if trial.normalized is None or run is None:
            verdict: Verdict = "syntax-error" if trial.normalized is None else "equivalent"
            self.candidates.append(Candidate(mutation=mutation, verdict=verdict))
            return False
        outcomes = {t.node_id: t.outcome.value for t in run.tests}
        failing = [n for n in self.baseline if outcomes.get(n) != TestOutcome.passed]
        passing = [n for n in self.baseline if outcomes.get(n) == TestOutcome.passed]
        key = (mutation.path, trial.normalized, tuple((n, outcomes.get(n, "missing")) for n in self.baseline))
        if run.timed_out:
            verdict = "timeout"
        elif run.collection_errors:
            verdict = "collection-error"
        elif not failing:
            verdict = "no-fail"
        elif not passing:
            verdict = "all-fail"
        elif key in self.seen:
            verdict = "equivalent"
        else:
            verdict = "kept"
        candidate = Candidate(
            mutation=mutation, verdict=verdict, fail_to_pass=len(failing), pass_to_pass=len(passing)
        )
        if verdict != "kept":
            self.candidates.append(candidate)
            return False
        self.seen.add(key)
        task = self._task(trial.mutant, run, failing, passing)
        self.pending.append((task, len(self.candidates)))
        self.candidates.append(candidate.model_copy(update={"task_id": task.id}))
        return True

    def _task(self, mutant: Mutant, run: TestRunResult, failing: list[str], passing: list[str]) -> Task:
        messages = {t.node_id: t.message for t in run.tests}
        digest = hashlib.sha256(f"{mutant.path}\0{mutant.text}".encode()).hexdigest()[:8]
        return Task(
            id=f"{self.prefix}-{mutant.operator}-{digest}",
            title=bug_title(failing),
            description=bug_description(failing, len(self.baseline), messages),
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

    def _validate_pending(self) -> None:
        tasks = [task for task, _ in self.pending]
        reports = validate_tasks(
            tasks, self.sandbox, repeats=self.config.repeats, workers=self.config.workers
        )
        for (task, index), report in zip(self.pending, reports, strict=True):
            if report.infra_error:
                raise SandboxError("; ".join(report.problems))
            if report.valid:
                self.tasks.append(task)
            else:
                verdict: Verdict = "flaky" if report.flaky_tests else "invalid"
                detail = "; ".join(report.problems)
                self.candidates[index] = self.candidates[index].model_copy(
                    update={"verdict": verdict, "task_id": None, "detail": detail}
                )
        self.pending = []


def _run_tests(
    files: Mapping[str, str], sandbox: Sandbox, config: SynthesisConfig, scratch: Path | None
) -> TestRunResult:
    """Run the tests of `files` in a fresh workspace (under `scratch` when given); messages
    name its files relative to it."""
    limits = SandboxLimits(timeout_s=config.candidate_timeout_s)
    with tempfile.TemporaryDirectory(prefix="candidate-", dir=scratch) as tmp:
        workspace = write_repo_tree(files, Path(tmp))
        run = sandbox.run_tests(workspace, config.test_paths, limits=limits)
    # The workspace's name is random: keep it out of task descriptions, which must be stable.
    tests = [t.model_copy(update={"message": _relative(t.message, workspace)}) for t in run.tests]
    return run.model_copy(update={"tests": tests})


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
