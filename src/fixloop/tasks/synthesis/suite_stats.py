"""What a synthesized suite is made of: operators by difficulty, mutated files, and candidates.

The difficulty is the task's own estimate (see `synthesizer`: `easy` when the repository
has one source module, `medium` otherwise). The candidates come from the suite's index
(`index.py`), so they cover every build into the directory, rejected mutants included.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, Field

from fixloop.tasks.synthesis.index import IndexEntry
from fixloop.tasks.task import Difficulty, Task


class SynthesisStats(BaseModel):
    """The synthesized tasks of a suite, counted (see the module docstring)."""

    tasks: int = Field(description="Tasks in the suite.")
    synthesized: int = Field(description="Tasks that record a mutation.")
    by_operator: dict[str, dict[str, int]] = Field(
        description="Per operator (most tasks first): tasks per difficulty, every level listed, and 'total'."
    )
    by_file: dict[str, int] = Field(description="Tasks per mutated file, most first.")
    candidates: dict[str, int] = Field(
        description="Candidates the suite's builds tried, per verdict; empty without an index."
    )


def synthesis_stats(tasks: Sequence[Task], index: Mapping[str, IndexEntry] | None = None) -> SynthesisStats:
    """Count the synthesized tasks of `tasks`, and the verdicts in `index` when given."""
    mutated = [task for task in tasks if task.mutation is not None]
    by_operator: dict[str, dict[str, int]] = {}
    for task in mutated:
        assert task.mutation is not None
        row = by_operator.setdefault(task.mutation.operator, {level.value: 0 for level in Difficulty})
        row[task.difficulty.value] += 1
    for row in by_operator.values():
        row["total"] = sum(row.values())
    files = Counter(task.mutation.path for task in mutated if task.mutation is not None)
    verdicts = Counter(entry.verdict for entry in (index or {}).values())
    return SynthesisStats(
        tasks=len(tasks),
        synthesized=len(mutated),
        by_operator=dict(sorted(by_operator.items(), key=lambda item: (-item[1]["total"], item[0]))),
        by_file=dict(sorted(files.items(), key=lambda item: (-item[1], item[0]))),
        candidates=dict(sorted(verdicts.items(), key=lambda item: (-item[1], item[0]))),
    )
