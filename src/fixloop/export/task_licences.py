"""What is known about the licences of an export's tasks, from what their episodes recorded.

fixloop records no licence per task, so nothing here names one it does not know: a task is
described by where it came from (the tags its trajectory recorded, its run's task source),
and the notes say whose licence applies and where it is not recorded.

- `swebench`-tagged tasks were imported from SWE-bench-style instances: their code is their
  upstream repository's (its `repo:` tag), under that repository's licence;
- `synthesized` tasks were made by mutating a seed repository: their code is the seed's;
- tasks of a named suite (`builtin`) ship inside fixloop, under the licence of its package
  metadata;
- anything else came from a directory or file the run named, with no licence recorded.
"""

from __future__ import annotations

import importlib.metadata
from collections import defaultdict
from collections.abc import Iterable

from fixloop.export.episodes import StoredEpisode
from fixloop.tasks.loader import SUITES
from fixloop.tasks.swebench import SWEBENCH_TAG

SYNTHESIZED_TAG = "synthesized"
"""The tag task synthesis gives the tasks it makes."""
REPO_TAG_PREFIX = "repo:"
"""The tag an imported SWE-bench instance gives its upstream repository."""


def fixloop_licence() -> str | None:
    """fixloop's licence as its installed package metadata states it, or None."""
    try:
        metadata = importlib.metadata.metadata("fixloop")
    except importlib.metadata.PackageNotFoundError:
        return None
    stated = metadata.get_all("License-Expression") or metadata.get_all("License") or [None]
    return stated[0]


def licence_notes(episodes: Iterable[StoredEpisode]) -> list[str]:
    """One note per kind of task among the episodes' tasks (known by the tags their
    trajectories recorded and their runs' task source), in a stable order, saying what is
    known about its licence; an empty list for no episode."""
    swebench: dict[str, set[str]] = defaultdict(set)
    synthesized: set[str] = set()
    suites: dict[str, set[str]] = defaultdict(set)
    paths: dict[str, set[str]] = defaultdict(set)
    for episode in episodes:
        # The run's task source as its stored settings name it (a `RunSettings` dump).
        path, suite = episode.run.config.get("path"), episode.run.config.get("suite") or "builtin"
        facts = episode.trajectory.task_facts
        tags = facts.tags if facts is not None else []
        if SWEBENCH_TAG in tags:
            repos = [t.removeprefix(REPO_TAG_PREFIX) for t in tags if t.startswith(REPO_TAG_PREFIX)]
            swebench[", ".join(repos) or "(repository not recorded)"].add(episode.task_id)
        elif SYNTHESIZED_TAG in tags:
            synthesized.add(episode.task_id)
        elif path is None and suite in SUITES:
            suites[suite].add(episode.task_id)
        else:
            paths[str(path or suite)].add(episode.task_id)
    notes = []
    for suite, ids in sorted(suites.items()):
        licence = fixloop_licence()
        stated = (
            f"its package metadata states the licence {licence}" if licence else "see its package metadata"
        )
        notes.append(f"{_count(ids)} of fixloop's `{suite}` suite, which ships inside fixloop ({stated}).")
    for upstream, ids in sorted(swebench.items()):
        notes.append(
            f"{_count(ids)} imported from SWE-bench-style instances of {upstream}: their code is the "
            "upstream repository's, under that repository's licence, which fixloop does not record; "
            "check it before redistributing."
        )
    if synthesized:
        notes.append(
            f"{_count(synthesized)} synthesized by mutating a seed repository: their code is the seed's, "
            "under the seed's licence, which fixloop does not record."
        )
    for source, ids in sorted(paths.items()):
        notes.append(f"{_count(ids)} loaded from `{source}`: fixloop records no licence for them.")
    return notes


def _count(ids: set[str]) -> str:
    return f"{len(ids)} task{'s' if len(ids) != 1 else ''}"
