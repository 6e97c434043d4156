"""Synthesize from several repositories into one suite directory, adding to what it holds.

    results = build_suite([*seed_repos(), Path("mylib")], Path("suite"), sandbox, SynthesisConfig(n=1000))

The `n` tasks are shared out in the order the sources are given: each source is asked for
an equal share of what is still missing, so a source that runs out of bugs leaves its
share to the ones after it. Each source's tasks are written as soon as it is done, with
every candidate it tried added to the suite's index (`index.py`); a later build into the
same directory skips those mutants, so it only adds new tasks.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from fixloop.sandbox.base import Sandbox
from fixloop.tasks.synthesis.index import INDEX_FILE, IndexEntry, append_index, read_index
from fixloop.tasks.synthesis.synthesizer import SynthesisConfig, SynthesisResult, synthesize, write_tasks


def check_output_directory(out: Path) -> None:
    """Raise ValueError unless `out` is missing, empty, or a suite a build wrote (it holds the index)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ValueError(f"{out} is not a directory")
    if any(out.iterdir()) and not (out / INDEX_FILE).is_file():
        raise ValueError(
            f"{out} is not an empty directory nor a suite `tasks synthesize` wrote (it has no "
            f"{INDEX_FILE}); write synthesized tasks into a new one"
        )


def build_suite(
    sources: Sequence[Path],
    out: Path,
    sandbox: Sandbox,
    config: SynthesisConfig,
    on_source: Callable[[SynthesisResult], None] | None = None,
) -> list[SynthesisResult]:
    """Synthesize up to `config.n` new tasks from `sources` into the suite directory `out`.

    Returns one result per source that was asked for tasks, in order; `on_source` sees
    each as soon as its tasks are written. Raises ValueError when `out` cannot take the
    tasks (see `check_output_directory`) or its index is corrupt, and whatever
    `synthesize` raises (the tasks of earlier sources are then written already).
    """
    check_output_directory(out)
    known = set(read_index(out))
    results: list[SynthesisResult] = []
    made = 0
    for position, source in enumerate(sources):
        share = math.ceil((config.n - made) / (len(sources) - position))
        if share <= 0:
            break
        result = synthesize(source, sandbox, config.model_copy(update={"n": share}), known=known)
        write_tasks(result.tasks, out)
        entries = [
            IndexEntry(key=c.key, source=str(source), verdict=c.verdict, task_id=c.task_id)
            for c in result.candidates
            if c.key is not None
        ]
        append_index(out, entries)
        known.update(entry.key for entry in entries)
        made += len(result.tasks)
        results.append(result)
        if on_source is not None:
            on_source(result)
    return results
