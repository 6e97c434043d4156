"""What a suite is made of: difficulties, tags, sizes, tests, specs and synthesized bugs.

Counting rules:

- **Files** are the buggy repository's files (`Task.files`), tests included.
- **Lines** are the non-blank lines of Python files (`*.py`). A Python file is a **test
  file** when the task grades tests in it, when it is a `conftest.py`, `test_*.py` or
  `*_test.py`, or when it sits under a `tests/` or `test/` directory; every other Python
  file is **code**.
- A task **has a spec** when its repository holds a `SPEC.md` at any depth.
- A task is **synthesized** when it records a `mutation`; those are counted by operator.
"""

from __future__ import annotations

import posixpath
import statistics
from collections import Counter
from collections.abc import Collection, Sequence

from pydantic import BaseModel, Field

from fixloop.tasks.task import Difficulty, Task

SPEC_FILE = "SPEC.md"
TEST_DIRS = frozenset({"tests", "test"})


class Spread(BaseModel):
    """A per-task quantity over the suite: its sum and its min, median and max per task."""

    total: int = 0
    min: int = 0
    median: float = 0
    max: int = 0

    @classmethod
    def of(cls, values: Sequence[int]) -> Spread:
        """The spread of `values`; all zeros when there are none."""
        if not values:
            return cls()
        return cls(total=sum(values), min=min(values), median=statistics.median(values), max=max(values))


class SuiteStats(BaseModel):
    """The make-up of a suite (see the module docstring for what is counted)."""

    tasks: int
    by_difficulty: dict[str, int] = Field(description="Tasks per level, every level listed, easy first.")
    by_tag: dict[str, int] = Field(description="Tasks per tag, most common first, then by name.")
    files: Spread
    fail_to_pass: Spread
    pass_to_pass: Spread
    code_lines: Spread = Field(description="Non-blank lines of non-test Python files.")
    test_lines: Spread = Field(description="Non-blank lines of test Python files.")
    with_spec: int = Field(description="Tasks whose repository holds a SPEC.md.")
    synthesized: int = Field(description="Tasks that record a mutation.")
    by_operator: dict[str, int] = Field(description="Synthesized tasks per operator, most common first.")


def suite_stats(tasks: Sequence[Task]) -> SuiteStats:
    """Count the make-up of `tasks`; an empty suite gives zeros everywhere."""
    lines = [_python_lines(task) for task in tasks]
    return SuiteStats(
        tasks=len(tasks),
        by_difficulty={level.value: sum(t.difficulty == level for t in tasks) for level in Difficulty},
        by_tag=_by_count(Counter(tag for t in tasks for tag in set(t.tags))),
        files=Spread.of([len(t.files) for t in tasks]),
        fail_to_pass=Spread.of([len(t.fail_to_pass) for t in tasks]),
        pass_to_pass=Spread.of([len(t.pass_to_pass) for t in tasks]),
        code_lines=Spread.of([code for code, _ in lines]),
        test_lines=Spread.of([test for _, test in lines]),
        with_spec=sum(any(posixpath.basename(p) == SPEC_FILE for p in t.files) for t in tasks),
        synthesized=sum(t.mutation is not None for t in tasks),
        by_operator=_by_count(Counter(t.mutation.operator for t in tasks if t.mutation is not None)),
    )


def is_test_file(path: str, graded_files: Collection[str] = ()) -> bool:
    """Whether `path` holds tests (see the module docstring); `graded_files` are `Task.test_files`."""
    name = posixpath.basename(path)
    return (
        path in graded_files
        or name == "conftest.py"
        or (name.startswith("test_") and name.endswith(".py"))
        or name.endswith("_test.py")
        or bool(TEST_DIRS.intersection(path.split("/")[:-1]))
    )


def _python_lines(task: Task) -> tuple[int, int]:
    """Non-blank lines of the task's (code, test) Python files."""
    code = test = 0
    graded = set(task.test_files)
    for path, content in task.files.items():
        if not path.endswith(".py"):
            continue
        count = sum(1 for line in content.splitlines() if line.strip())
        if is_test_file(path, graded):
            test += count
        else:
            code += count
    return code, test


def _by_count(counter: Counter[str]) -> dict[str, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], item[0])))
