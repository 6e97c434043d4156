"""The repair agent's candidate edits: the synthesis operators, run backwards."""

import ast

import pytest

from fixloop.agents.repair_candidates import Candidate, candidates_for, prioritize
from fixloop.tasks.synthesis.mutants import Mutant, enumerate_mutants
from fixloop.tasks.synthesis.operators import OPERATORS

# A module with sites for every synthesis operator.
SAMPLE = """RATES = {"low": 0.1, "high": 0.25}
LIMIT = 12


def window(items, start, size):
    total = 0
    for index in range(start, start + size):
        if index < len(items) and items[index] != "skip":
            total += items[index] * 2
    return total


def pick(values, key, default=False):
    best = None
    for value in values:
        if value is not None and (best is None or value > best):
            best = value
    return best if best is not None else default


def label(kind):
    if kind == "paid":
        return "done"
    return "open"


def scaled(amount, factor):
    result = pow(amount, factor) / LIMIT
    remainder = amount % 3
    floor = amount // 2
    power = amount ** 2
    return result + remainder - floor + power
"""

NOT_INVERTIBLE = {"remove-statement"}
"""Deleting a statement cannot be undone without knowing the statement."""


def _invertible(mutant: Mutant) -> bool:
    """Whether the agent can undo `mutant`: a return of an expression is lost when it becomes a name."""
    if mutant.operator in NOT_INVERTIBLE:
        return False
    if mutant.operator == "wrong-return":
        returned = mutant.site.original.removeprefix("return").strip()
        return returned.isidentifier()
    return True


def _sample_mutants() -> list[Mutant]:
    mutants = []
    for mutant in enumerate_mutants({"sample.py": SAMPLE}, ["tests"]):
        try:
            ast.parse(mutant.text)
        except SyntaxError:
            continue
        mutants.append(mutant)
    return mutants


SAMPLE_MUTANTS = _sample_mutants()


def test_the_sample_has_an_invertible_site_for_every_operator_but_statement_removal():
    covered = {mutant.operator for mutant in SAMPLE_MUTANTS if _invertible(mutant)}
    assert covered == set(OPERATORS) - NOT_INVERTIBLE


@pytest.mark.parametrize("operator", sorted(set(OPERATORS) - NOT_INVERTIBLE))
def test_candidates_include_the_inverse_of_each_synthesis_operator(operator):
    mutants = [m for m in SAMPLE_MUTANTS if m.operator == operator and _invertible(m)]
    for mutant in mutants:
        lines = range(mutant.site.line, mutant.site.line + mutant.site.mutated.count("\n") + 1)
        texts = {candidate.text for candidate in candidates_for("sample.py", mutant.text, lines)}
        assert SAMPLE in texts, f"no candidate undoes {mutant.site.original!r} -> {mutant.site.mutated!r}"


def test_candidates_touch_only_the_requested_lines():
    candidates = candidates_for("sample.py", SAMPLE, [7])
    assert candidates
    assert all(candidate.first <= 7 <= candidate.last for candidate in candidates)


def test_candidates_parse_and_change_the_file():
    for candidate in candidates_for("sample.py", SAMPLE, range(1, 40)):
        ast.parse(candidate.text)
        assert candidate.text != SAMPLE


def test_a_file_that_does_not_parse_has_no_candidates():
    assert candidates_for("broken.py", "def f(:\n    return 1\n", [1, 2]) == []


def test_more_suspicious_lines_come_first_and_ties_keep_their_order():
    def candidate(line: int, name: str) -> Candidate:
        return Candidate(name, "m.py", line, line, "a", "b", f"text {name}")

    low, tied_first, tied_second = candidate(3, "low"), candidate(5, "first"), candidate(9, "second")
    suspicion = {("m.py", 3): 0.2, ("m.py", 5): 0.9, ("m.py", 9): 0.9}
    assert prioritize([low, tied_first, tied_second], suspicion) == [tied_first, tied_second, low]
