"""Fault localisation from what an observation shows: traceback frames, then a coverage spectrum.

`rank_lines` orders the project's lines by suspicion: first the deepest project frame of
each failing test's traceback (where an exception left the project's code), then every
line failing tests executed, by its Ochiai score

    ochiai(line) = failed(line) / sqrt(failed_tests * (failed(line) + passed(line)))

which is highest for lines every failing test and no passing test ran. Code that runs at
import time (module and class constants, default values) is in no test's spectrum;
`import_time_lines` finds the parts of it a suspicious line reads, so they can share its score.
"""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from fixloop.env.localization import is_test_path
from fixloop.env.spectrum import Spectrum
from fixloop.tasks.python_parse import parse_python

# pytest's traceback locations: `pkg/mod.py:12: in func` or `pkg/mod.py:12: ValueError`.
_FRAME = re.compile(r"^(?P<path>[^\s:][^:\n]*\.py):(?P<line>\d+):(?: |$)", re.MULTILINE)
# The header of one failing test's section: `______ test_name ______`.
_SECTION = re.compile(r"^_{3,} .+ _{3,}$", re.MULTILINE)


TRACEBACK_SCORE = 1.0
"""The suspicion of a traceback line: as high as an Ochiai score goes."""


@dataclass(frozen=True)
class SuspiciousLine:
    """A line of a project file, how suspicious it is (0 to 1) and why it is suspected."""

    path: str
    line: int
    score: float
    reason: str


def ochiai(failed: int, passed: int, failed_tests: int) -> float:
    """The Ochiai suspiciousness of a line failing/passing tests ran; 0 when no failing test did."""
    if failed == 0 or failed_tests == 0:
        return 0.0
    return failed / math.sqrt(failed_tests * (failed + passed))


def traceback_lines(test_output: str, project_files: Collection[str]) -> list[tuple[str, int]]:
    """The deepest frame in a non-test project file of each failing test's traceback.

    Read from pytest's failure report in `test_output`; most frequent first, then in order
    of appearance. Frames in test files or outside `project_files` are skipped.
    """
    deepest: Counter[tuple[str, int]] = Counter()
    for section in _sections(test_output):
        frames = [
            (match["path"], int(match["line"]))
            for match in _FRAME.finditer(section)
            if match["path"] in project_files and not is_test_path(match["path"])
        ]
        if frames:
            deepest[frames[-1]] += 1
    return [location for location, _ in deepest.most_common()]


def rank_lines(
    spectrum: Spectrum | None, frames: list[tuple[str, int]], project_files: Collection[str]
) -> list[SuspiciousLine]:
    """Project lines by suspicion: `frames` first, in order, then lines failing tests ran, by Ochiai.

    A frame line scores `TRACEBACK_SCORE` and is not repeated; lines no failing test ran
    are left out; equal scores are ordered by path and line. Without a spectrum only the
    frames are ranked.
    """
    ranked = [SuspiciousLine(path, n, TRACEBACK_SCORE, "traceback") for path, n in dict.fromkeys(frames)]
    if spectrum is None:
        return ranked
    seen = {(s.path, s.line) for s in ranked}
    failed_tests = spectrum.failed_tests
    scored = [
        SuspiciousLine(hits.path, hits.line, ochiai(hits.failed, hits.passed, failed_tests), "ochiai")
        for hits in spectrum.lines
        if hits.failed and hits.path in project_files and (hits.path, hits.line) not in seen
    ]
    return ranked + sorted(scored, key=lambda s: (-s.score, s.path, s.line))


def top_lines(ranked: list[SuspiciousLine], count: int) -> list[SuspiciousLine]:
    """The first `count` lines of `ranked`, and those after them that tie with the last one."""
    if len(ranked) <= count:
        return list(ranked)
    cut = ranked[count - 1].score
    return ranked[:count] + [line for line in ranked[count:] if line.score == cut]


def import_time_lines(text: str, lines: Collection[int]) -> dict[int, list[int]]:
    """For each of `lines` in the module `text`, the import-time code it depends on.

    That is: module- and class-level assignments of the names (or attributes) the line
    reads, and the parameter defaults of the function around the line. Lines are 1-based;
    a line with no such dependency is absent. Returns {} when `text` does not parse.
    """
    try:
        tree = parse_python(text)
    except (SyntaxError, ValueError):
        return {}
    definitions = _import_time_definitions(tree)
    functions = [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    read_on: dict[int, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            read_on.setdefault(node.lineno, set()).add(node.id)
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            read_on.setdefault(node.lineno, set()).add(node.attr)
    found: dict[int, list[int]] = {}
    for line in lines:
        depends: set[int] = set()
        for name in read_on.get(line, ()):
            for start, end in definitions.get(name, ()):
                depends.update(range(start, end + 1))
        for function in functions:
            if function.lineno <= line <= (function.end_lineno or function.lineno):
                for default in (*function.args.defaults, *filter(None, function.args.kw_defaults)):
                    depends.update(range(default.lineno, (default.end_lineno or default.lineno) + 1))
        depends.discard(line)
        if depends:
            found[line] = sorted(depends)
    return found


def _sections(test_output: str) -> Iterator[str]:
    """The report of each failing test (the text between section headers)."""
    starts = [match.end() for match in _SECTION.finditer(test_output)]
    for index, start in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else len(test_output)
        yield test_output[start:end]


def _import_time_definitions(tree: ast.Module) -> dict[str, list[tuple[int, int]]]:
    """Name -> line spans of the module- and class-level assignments that bind it."""
    statements: list[ast.stmt] = list(tree.body)
    statements += [s for node in ast.walk(tree) if isinstance(node, ast.ClassDef) for s in node.body]
    found: dict[str, list[tuple[int, int]]] = {}
    for statement in statements:
        if isinstance(statement, ast.Assign):
            targets = statement.targets
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)) and statement.value is not None:
            targets = [statement.target]
        else:
            continue
        span = (statement.lineno, statement.end_lineno or statement.lineno)
        for target in targets:
            for node in ast.walk(target):
                if isinstance(node, ast.Name):
                    found.setdefault(node.id, []).append(span)
    return found
