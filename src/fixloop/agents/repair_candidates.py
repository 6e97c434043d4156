"""Candidate edits for the repair agent: the synthesis operators run backwards on suspicious lines.

Most bug-synthesis operators are their own inverse — swapping `<` for `>`, `and` for `or`,
two arguments, two dict values, negating a condition, flipping `0`/`1` or `True`/`False`,
shifting a bound by ±1, returning another local — so running them on the buggy code
proposes the original among their mutants. The few that are not get an inverse here:
`//`→`/`, `%`→`//` and `**`→`*` (undone by `/`→`//`, `//`→`%`, `*`→`**`), `n`→`n + 1` on
constants (undone by `n - 1`) and the trailing-space typo of a letterless string. Deleting a
statement (`remove-statement`) cannot be undone without knowing the statement, so it has no
inverse, and neither has a `return <expression>` that became `return <name>`.

Sites are located and applied with the synthesis package's own `SourceModule` and operators.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from fixloop.tasks.synthesis.operators import OPERATORS, Operator, Site
from fixloop.tasks.synthesis.source import Edit, SourceModule, parses

# The synthesis swaps that are not their own inverse, and what undoes them.
_ARITHMETIC_INVERSE: dict[type[ast.operator], tuple[str, str]] = {
    ast.Div: ("/", "//"),
    ast.FloorDiv: ("//", "%"),
    ast.Mult: ("*", "**"),
}


def inverse_arithmetic(module: SourceModule) -> Iterator[Site]:
    """`/` -> `//`, `//` -> `%`, `*` -> `**` (and their augmented forms), undoing the synthesis swaps."""
    operations: list[tuple[ast.AST, ast.AST, ast.operator, ast.AST, str]]
    operations = [(n, n.left, n.op, n.right, "") for n in module.nodes(ast.BinOp)]
    operations += [(n, n.target, n.op, n.value, "=") for n in module.nodes(ast.AugAssign)]
    for node, left, op, right, suffix in sorted(operations, key=lambda operation: module.span(operation[0])):
        if type(op) not in _ARITHMETIC_INVERSE:
            continue
        old, new = _ARITHMETIC_INVERSE[type(op)]
        span = module.operator_between(left, right, old + suffix)
        if span is not None:
            yield _site(module, node, Edit(*span, new + suffix))


def inverse_constant(module: SourceModule) -> Iterator[Site]:
    """Numbers other than 0 and 1: `n` -> `n - 1`; a string ending in a space loses it.

    Undoes `wrong-constant`'s `n` -> `n + 1` and its typo for strings without letters; its
    other changes (`0`/`1`, `True`/`False`, the case of a first letter) are their own inverse.
    """
    for node in module.nodes(ast.Constant):
        value = node.value
        if isinstance(value, bool):
            continue
        if isinstance(value, int) and value not in (0, 1):
            yield _site(module, node, Edit(*module.span(node), str(value - 1)))
        elif isinstance(value, float) and value not in (0.0, 1.0):
            # In decimal, so that `1.1` gives back `0.1`, not `0.10000000000000009`.
            try:
                decremented = float(Decimal(module.segment(node).replace("_", "")) - 1)
            except InvalidOperation:
                decremented = value - 1
            yield _site(module, node, Edit(*module.span(node), repr(decremented)))
        elif isinstance(value, str) and value.endswith(" ") and value.strip():
            text = module.segment(node)
            quote = text[:1]
            if quote in ("'", '"') and text == f"{quote}{value}{quote}" and "\\" not in value:
                yield _site(module, node, Edit(*module.span(node), f"{quote}{value[:-1]}{quote}"))


REPAIR_OPERATORS: dict[str, Operator] = {
    "comparison-swap": OPERATORS["comparison-swap"],
    "off-by-one": OPERATORS["off-by-one"],
    "arithmetic-swap": OPERATORS["arithmetic-swap"],
    "boolean-swap": OPERATORS["boolean-swap"],
    "negate-condition": OPERATORS["negate-condition"],
    "wrong-constant": OPERATORS["wrong-constant"],
    "swap-arguments": OPERATORS["swap-arguments"],
    "wrong-return": OPERATORS["wrong-return"],
    "swap-mapping": OPERATORS["swap-mapping"],
    "inverse-arithmetic": inverse_arithmetic,
    "inverse-constant": inverse_constant,
}
"""The operators candidates come from, in the order they take turns on equally suspicious lines."""


@dataclass(frozen=True)
class Candidate:
    """One edit to try: `text` is the whole file after it; lines `first`..`last` of the file change."""

    operator: str
    path: str
    first: int
    last: int
    original: str
    mutated: str
    text: str

    def describe(self) -> str:
        """A one-line account, for the action's `thought`."""
        return f"{self.operator} at {self.path}:{self.first}: `{self.original}` -> `{self.mutated}`"


def candidates_for(path: str, text: str, lines: Collection[int]) -> list[Candidate]:
    """Every distinct candidate edit of `text` (the file `path`) that touches one of `lines`.

    Candidates that do not parse, or leave the file unchanged, are left out; of several that
    give the same file, the first is kept. Ordered by operator (as in `REPAIR_OPERATORS`),
    then by position. Returns [] when `text` itself does not parse.
    """
    try:
        module = SourceModule(text)
    except SyntaxError:
        return []
    wanted = set(lines)
    found: dict[str, Candidate] = {}
    for name, operator in REPAIR_OPERATORS.items():
        for site in operator(module):
            first = module.line_of(min(edit.start for edit in site.edits))
            last = module.line_of(max(max(edit.start, edit.end - 1) for edit in site.edits))
            if wanted.isdisjoint(range(first, last + 1)):
                continue
            mutated = module.apply(site.edits)
            if mutated == text or mutated in found or not parses(mutated):
                continue
            found[mutated] = Candidate(name, path, first, last, site.original, site.mutated, mutated)
    return list(found.values())


def suspicion_of(candidate: Candidate, suspicion: Mapping[tuple[str, int], float]) -> float:
    """The score of the most suspicious line `candidate` touches (`suspicion`: (path, line) -> score)."""
    lines = range(candidate.first, candidate.last + 1)
    return max(suspicion.get((candidate.path, line), 0.0) for line in lines)


def prioritize(candidates: list[Candidate], suspicion: Mapping[tuple[str, int], float]) -> list[Candidate]:
    """`candidates` on more suspicious lines first (see `suspicion_of`); ties keep their order.

    Weighting candidates by how many sites their operator has, on the line or in the file,
    was tried and found worse on both the builtin and the synthesized tasks.
    """
    return sorted(candidates, key=lambda candidate: suspicion_of(candidate, suspicion), reverse=True)


def _site(module: SourceModule, node: ast.AST, edit: Edit) -> Site:
    start, end = module.span(node)
    original = module.text[start:end]
    mutated = original[: edit.start - start] + edit.text + original[edit.end - start :]
    return Site(module.line_of(start), (edit,), original.strip(), mutated.strip())
