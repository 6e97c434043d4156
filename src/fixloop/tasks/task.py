"""The `Task`: a buggy repository snapshot, its tests, and a hidden reference fix."""

from __future__ import annotations

import posixpath
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


class Difficulty(StrEnum):
    """How hard a task is meant to be for a competent agent."""

    easy = "easy"
    medium = "medium"
    hard = "hard"


class Mutation(BaseModel):
    """How a synthesized task's bug was made. Hidden from the agent; analysis groups by it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    operator: str = Field(min_length=1, description="The mutation operator's name, e.g. 'comparison-swap'.")
    path: str = Field(description="The mutated file, repository-relative.")
    line: int = Field(ge=1, description="The mutated line (1-based) in the buggy file.")
    original: str = Field(default="", description="The source segment before mutation.")
    mutated: str = Field(default="", description="The source segment after mutation.")


def normalize_repo_path(path: str) -> str:
    """Return `path` as a clean relative POSIX path inside a repository.

    Raises ValueError for absolute paths, paths that climb out with `..`, or empty paths.
    """
    if not path or path.startswith("/") or "\\" in path:
        raise ValueError(f"repository path {path!r} must be relative and use '/'")
    clean = posixpath.normpath(path)
    if clean == "." or clean == ".." or clean.startswith("../"):
        raise ValueError(f"repository path {path!r} leaves the repository")
    return clean


def test_file_of(node_id: str) -> str:
    """The file part of a pytest node id: `tests/test_a.py::test_x[1]` -> `tests/test_a.py`."""
    return node_id.split("::", 1)[0]


class Task(BaseModel):
    """One executable debugging task.

    `files` is the buggy repository exactly as the agent sees it (tests included).
    `reference_fix` maps each path the fix changes or adds to its fixed content; it is the
    hidden answer and must never reach the agent. When `fail_to_pass` / `pass_to_pass` are
    empty the validator computes them from the buggy and fixed repositories.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="Unique task id.")
    title: str = Field(min_length=1, description="One-line summary.")
    description: str = Field(min_length=1, description="The bug as a user would report it.")
    difficulty: Difficulty = Difficulty.medium
    tags: list[str] = Field(default_factory=list)
    max_steps: int = Field(default=30, ge=1, le=1000, description="Step budget per episode.")
    fail_to_pass: list[str] = Field(
        default_factory=list, description="Node ids that fail on the buggy repo and pass when fixed."
    )
    pass_to_pass: list[str] = Field(
        default_factory=list, description="Node ids that pass before and after the fix."
    )
    test_paths: list[str] = Field(
        default_factory=lambda: ["tests"], description="What `run_tests` runs by default."
    )
    timeout_s: float = Field(default=30.0, gt=0, le=3600, description="Wall limit per test run.")
    optimal_steps: int | None = Field(
        default=None, ge=1, description="Steps an ideal agent needs; derived from the fix when unset."
    )
    requirements: list[str] = Field(
        default_factory=list,
        description="pip requirements of the task's environment (PEP 508 strings or local paths); "
        "empty: the repository's own requirements.txt or pyproject.toml dependencies, if any "
        "(see fixloop.tasks.environments).",
    )
    python: str | None = Field(
        default=None,
        description="An interpreter the user already has (absolute path) that runs the tests "
        "instead of a built environment; excludes `requirements`.",
    )
    mutation: Mutation | None = Field(
        default=None, repr=False, description="Set on synthesized tasks: the operator and location."
    )
    files: dict[str, str] = Field(description="The buggy repository: path -> text content.")
    reference_fix: dict[str, str] = Field(
        repr=False, description="Hidden fix: path -> fixed content for each changed or added file."
    )

    @field_validator("files", "reference_fix")
    @classmethod
    def _clean_paths(cls, value: dict[str, str]) -> dict[str, str]:
        cleaned: dict[str, str] = {}
        for path, content in value.items():
            if "\x00" in content:
                raise ValueError(f"file {path!r} is binary; tasks hold text files only")
            cleaned[normalize_repo_path(path)] = content
        return cleaned

    @field_validator("test_paths")
    @classmethod
    def _clean_test_paths(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("test_paths must name at least one path")
        return [normalize_repo_path(path) for path in value]

    @model_validator(mode="after")
    def _check_consistency(self) -> Task:
        if not self.files:
            raise ValueError("the repository has no files")
        if not self.reference_fix:
            raise ValueError("the reference fix changes no file")
        unchanged = [p for p, c in self.reference_fix.items() if self.files.get(p) == c]
        if unchanged and len(unchanged) == len(self.reference_fix):
            raise ValueError("the reference fix is identical to the buggy repository")
        if self.python is not None and not self.python.startswith("/"):
            raise ValueError(f"python must be an interpreter's absolute path, not {self.python!r}")
        if self.python is not None and self.requirements:
            raise ValueError("a task gives python or requirements, not both")
        overlap = set(self.fail_to_pass) & set(self.pass_to_pass)
        if overlap:
            raise ValueError(f"tests listed as both fail_to_pass and pass_to_pass: {sorted(overlap)}")
        return self

    @property
    def fixed_files(self) -> dict[str, str]:
        """The repository with the reference fix applied."""
        return {**self.files, **self.reference_fix}

    @property
    def fix_paths(self) -> list[str]:
        """Paths the reference fix changes or adds, sorted."""
        return sorted(p for p, c in self.reference_fix.items() if self.files.get(p) != c)

    @property
    def graded_tests(self) -> list[str]:
        """Every test the grader checks: fail_to_pass then pass_to_pass."""
        return [*self.fail_to_pass, *self.pass_to_pass]

    @property
    def test_files(self) -> list[str]:
        """Files that define graded tests, plus every conftest.py; restored before grading."""
        paths = {test_file_of(node) for node in self.graded_tests}
        paths |= {p for p in self.files if posixpath.basename(p) == "conftest.py"}
        return sorted(paths)

    @property
    def step_target(self) -> int:
        """`optimal_steps`, or read + edit each fixed file, run the tests once, and submit."""
        if self.optimal_steps is not None:
            return self.optimal_steps
        return 2 * len(self.fix_paths) + 2
