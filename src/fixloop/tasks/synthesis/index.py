"""What earlier syntheses into a suite directory tried, so a later one skips the same mutants.

The index is `.fixloop-synthesis.jsonl` in the suite directory (hidden: loading the suite
ignores it), one line per candidate tried: its key, source, verdict and task id. A
mutant's key hashes the original repository's files, the mutated path and the mutated
file's code with layout and comments normalized away, so equivalent mutants (the same
bug written twice, or drawn again by another seed) share a key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from pydantic import BaseModel, Field

INDEX_FILE = ".fixloop-synthesis.jsonl"


class IndexEntry(BaseModel):
    """One candidate an earlier synthesis tried."""

    key: str = Field(description="The mutant's key (see the module docstring).")
    source: str = Field(description="The repository it was planted in.")
    verdict: str = Field(description="What became of it (a `Verdict`).")
    task_id: str | None = Field(default=None, description="The task it became, when kept.")


def repository_fingerprint(files: Mapping[str, str]) -> str:
    """A hash of a repository's files (paths and contents)."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path}\0{files[path]}\0".encode())
    return digest.hexdigest()


def mutant_key(fingerprint: str, path: str, normalized_code: str) -> str:
    """The key of the mutant of `path` whose normalized code is `normalized_code`."""
    return hashlib.sha256(f"{fingerprint}\0{path}\0{normalized_code}".encode()).hexdigest()[:24]


def read_index(directory: Path) -> dict[str, IndexEntry]:
    """The entries of `directory`'s index by key; empty when there is none.

    Raises ValueError naming the line when the index is corrupt.
    """
    index = directory / INDEX_FILE
    if not index.is_file():
        return {}
    entries: dict[str, IndexEntry] = {}
    for number, line in enumerate(index.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            entry = IndexEntry.model_validate_json(line)
        except ValueError as exc:
            raise ValueError(f"{index} line {number}: not an index entry: {exc}") from None
        entries.setdefault(entry.key, entry)
    return entries


def append_index(directory: Path, entries: Iterable[IndexEntry]) -> None:
    """Add `entries` to `directory`'s index (created when missing)."""
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / INDEX_FILE).open("a", encoding="utf-8") as handle:
        for entry in entries:
            handle.write(entry.model_dump_json() + "\n")
