"""Enumerating mutants: every operator on every source file, never on a test file."""

from fixloop.tasks.synthesis.mutants import enumerate_mutants, is_test_file
from fixloop.tasks.synthesis.operators import OPERATORS

SOURCE = "def add(a, b):\n    return a + b\n"

REPO = {
    "pkg/__init__.py": "",
    "pkg/calc.py": SOURCE,
    "tests/test_calc.py": "from pkg.calc import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
    "tests/helpers.py": SOURCE,
    "conftest.py": SOURCE,
    "pkg/test_inline.py": SOURCE,
    "README.md": "a + b\n",
}


def test_only_source_files_outside_the_tests_are_mutated():
    assert {m.path for m in enumerate_mutants(REPO, ["tests"])} == {"pkg/calc.py"}


def test_a_custom_test_path_is_never_mutated():
    repo = {"lib/calc.py": SOURCE, "checks/helpers.py": SOURCE}
    assert {m.path for m in enumerate_mutants(repo, ["checks"])} == {"lib/calc.py"}


def test_test_files_are_recognised_anywhere():
    assert is_test_file("src/conftest.py", ["tests"])
    assert is_test_file("pkg/test_util.py", ["tests"])
    assert is_test_file("pkg/util_test.py", ["tests"])
    assert not is_test_file("pkg/testing.py", ["tests"])


def test_enumeration_is_stable_and_follows_the_operator_order():
    first, second = enumerate_mutants(REPO, ["tests"]), enumerate_mutants(REPO, ["tests"])
    assert first == second
    order = list(OPERATORS)
    positions = [order.index(m.operator) for m in first]
    assert positions == sorted(positions)


def test_a_mutant_holds_the_mutated_file_and_records_its_mutation():
    [mutant] = [m for m in enumerate_mutants(REPO, ["tests"]) if m.operator == "arithmetic-swap"]
    assert mutant.text == "def add(a, b):\n    return a - b\n"
    assert mutant.mutation.model_dump() == {
        "operator": "arithmetic-swap",
        "path": "pkg/calc.py",
        "line": 2,
        "original": "a + b",
        "mutated": "a - b",
    }


def test_source_files_that_do_not_parse_are_skipped():
    assert enumerate_mutants({"pkg/broken.py": "def f(:\n", "pkg/calc.py": SOURCE}, ["tests"])
    assert enumerate_mutants({"pkg/broken.py": "def f(:\n"}, ["tests"]) == []
