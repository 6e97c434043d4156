"""Enumerate every mutant of a repository: each operator's sites in each source file, applied."""

from __future__ import annotations

import fnmatch
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fixloop.tasks.synthesis.operators import OPERATORS, Site
from fixloop.tasks.synthesis.source import SourceModule
from fixloop.tasks.task import Mutation

_TEST_FILE_PATTERNS = ("test_*.py", "*_test.py", "conftest.py")


@dataclass(frozen=True)
class Mutant:
    """One operator applied at one site of one file: `text` is that file's mutated content."""

    operator: str
    path: str
    site: Site
    text: str

    @property
    def mutation(self) -> Mutation:
        """What changed, as recorded on the task."""
        return Mutation(
            operator=self.operator,
            path=self.path,
            line=self.site.line,
            original=self.site.original,
            mutated=self.site.mutated,
        )


def is_test_file(path: str, test_paths: Sequence[str]) -> bool:
    """True for files under a test path, `conftest.py`, and `test_*.py` / `*_test.py` anywhere."""
    under_tests = any(path == root or path.startswith(root.rstrip("/") + "/") for root in test_paths)
    name = posixpath.basename(path)
    return under_tests or any(fnmatch.fnmatchcase(name, pattern) for pattern in _TEST_FILE_PATTERNS)


def source_paths(files: Mapping[str, str], test_paths: Sequence[str]) -> list[str]:
    """The Python files operators may change: every `.py` file that is not a test file, sorted."""
    return sorted(p for p in files if p.endswith(".py") and not is_test_file(p, test_paths))


def enumerate_mutants(files: Mapping[str, str], test_paths: Sequence[str]) -> list[Mutant]:
    """Every mutant of the repository `files`, in a stable order: by path, operator, position.

    Test files are never mutated (see `is_test_file`); source files that do not parse are
    skipped. Mutants are not checked to parse.
    """
    mutants: list[Mutant] = []
    for path in source_paths(files, test_paths):
        try:
            module = SourceModule(files[path])
        except SyntaxError:
            continue
        for name, operator in OPERATORS.items():
            mutants.extend(Mutant(name, path, site, module.apply(site.edits)) for site in operator(module))
    return mutants
