"""A tiny but real debugging task, shared by the tests."""

from __future__ import annotations

from pathlib import Path

from fixloop.tasks import writer
from fixloop.tasks.task import Task

CALC_BUGGY = '''def add(a, b):
    """Return the sum of a and b."""
    return a - b


def double(x):
    return x * 2
'''

CALC_FIXED = CALC_BUGGY.replace("return a - b", "return a + b")

CALC_TESTS = """from calc import add, double


def test_add_small():
    assert add(2, 3) == 5


def test_add_negative():
    assert add(-1, -1) == -2


def test_double():
    assert double(4) == 8


def test_add_zero():
    assert add(0, 0) == 0
"""


def make_calc_task(**overrides) -> Task:
    """A task whose `add` subtracts; two tests fail until it is fixed, two always pass."""
    fields = dict(
        id="calc-add",
        title="add subtracts",
        description="add(2, 3) returns -1 instead of 5.",
        difficulty="easy",
        max_steps=12,
        fail_to_pass=["tests/test_calc.py::test_add_small", "tests/test_calc.py::test_add_negative"],
        pass_to_pass=["tests/test_calc.py::test_double", "tests/test_calc.py::test_add_zero"],
        timeout_s=20,
        files={"calc.py": CALC_BUGGY, "tests/test_calc.py": CALC_TESTS},
        reference_fix={"calc.py": CALC_FIXED},
    )
    fields.update(overrides)
    return Task(**fields)


def write_task_dir(root: Path, **overrides) -> Path:
    """Write the calc task to disk in the directory format, under `root`."""
    task = make_calc_task(**overrides)
    return writer.write_task_dir(task, root / task.id)
