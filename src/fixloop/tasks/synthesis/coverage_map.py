"""Which tests run a mutant's code: the repository's suite run once with coverage, mapped by line.

The baseline run records, per test, the lines of the repository's non-test files it ran
(coverage.py, one dynamic context per test: see `sandbox/report_plugin.py`). A mutant only
needs the tests that run the statement it changes:

- a site inside a function or lambda body runs when a test calls it, so its tests are
  those that ran the statement holding the site (from the statement's first line to the
  site's last, since a statement spread over lines reports a line event on any of them);
  none means no test can notice the bug, and the mutant is skipped as `uncovered`;
- any other site (module or class level, a decorator, a default argument) runs when the
  module is imported, outside every test's context, so every test is a candidate.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from fixloop.sandbox.base import TestCaseResult
from fixloop.tasks.synthesis.mutants import Mutant
from fixloop.tasks.synthesis.source import Edit, SourceModule

_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass
class CoverageMap:
    """The tests of a baseline run and the tests that ran each line.

    `tests` lists every node id in run order; `by_line` maps `(path, line)` to the node
    ids that ran it, in the same order. (Run order, not duration: durations vary between
    runs, and the order decides which tests a candidate runs first.)
    """

    tests: list[str]
    by_line: dict[tuple[str, int], list[str]]
    _modules: dict[str, _Module] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, results: Sequence[TestCaseResult]) -> CoverageMap:
        """The map of a coverage run's `results`; raises ValueError for a run without coverage."""
        missing = [test.node_id for test in results if test.covered_lines is None]
        if missing:
            raise ValueError(f"the run recorded no coverage for {missing[0]}")
        tests = [test.node_id for test in results]
        by_line: dict[tuple[str, int], list[str]] = {}
        for test in results:
            for path, lines in (test.covered_lines or {}).items():
                for line in lines:
                    by_line.setdefault((path, line), []).append(test.node_id)
        return cls(tests=tests, by_line=by_line)

    def tests_for(self, mutant: Mutant, original: str) -> list[str]:
        """The tests that run `mutant`'s site in the original file text `original`, in run
        order: every test for a site that runs at import, none for a site no test runs."""
        module = self._modules.get(mutant.path)
        if module is None:
            module = self._modules[mutant.path] = _Module(SourceModule(original))
        lines = module.lines_of(mutant.site.edits)
        if lines is None:
            return list(self.tests)
        found = {node for line in lines for node in self.by_line.get((mutant.path, line), ())}
        return [node for node in self.tests if node in found]


class _Module:
    """A source file's statements and function bodies as character spans, to place an edit."""

    def __init__(self, module: SourceModule) -> None:
        self.module = module
        self.statements: list[tuple[int, int, int]] = []  # (start, end, first line)
        self.bodies: list[tuple[int, int]] = []
        for node in ast.walk(module.tree):
            if isinstance(node, ast.stmt):
                start, end = module.span(node)
                first = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
                self.statements.append((start, end, first))
            if isinstance(node, _FUNCTIONS):
                self.bodies.append((module.span(node.body[0])[0], module.span(node.body[-1])[1]))
            elif isinstance(node, ast.Lambda):
                self.bodies.append(module.span(node.body))

    def lines_of(self, edits: Iterable[Edit]) -> set[int] | None:
        """The lines whose line events show the edits' code ran; None when it runs at import."""
        lines: set[int] = set()
        for edit in edits:
            if not any(start <= edit.start and edit.end <= end for start, end in self.bodies):
                return None
            first, last = self.module.line_of(edit.start), self.module.line_of(max(edit.start, edit.end - 1))
            holding = [s for s in self.statements if s[0] <= edit.start and edit.end <= s[1]]
            if holding:
                # The innermost statement: a site in a body is inside the body's statement.
                first = min(first, min(holding, key=lambda s: s[1] - s[0])[2])
            lines.update(range(first, last + 1))
        return lines
