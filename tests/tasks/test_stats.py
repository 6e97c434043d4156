"""Suite statistics, checked to the number on a small hand-made suite."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.tasks.stats import Spread, suite_stats
from fixloop.tasks.task import Mutation, Task
from fixloop.tasks.writer import export_tasks

runner = CliRunner()


def hand_made_suite() -> list[Task]:
    """Three tasks whose counts are easy to check by eye (lines counted are non-blank .py lines)."""
    plain = Task(
        id="plain",
        title="f returns 1",
        description="f() should return 2.",
        difficulty="easy",
        tags=["x", "y"],
        fail_to_pass=["tests/test_a.py::test_f"],
        files={
            "pkg/a.py": "def f():\n\n    return 1\n",  # 2 code lines
            "tests/test_a.py": "from pkg.a import f\n\ndef test_f():\n    assert f() == 2\n",  # 3 test lines
            "README.md": "# plain\n",
        },
        reference_fix={"pkg/a.py": "def f():\n    return 2\n"},
    )
    spec = Task(
        id="spec",
        title="implement lib",
        description="See SPEC.md.",
        difficulty="medium",
        tags=["x"],
        fail_to_pass=["check_lib.py::test_one", "check_lib.py::test_two"],
        pass_to_pass=["check_lib.py::test_three"],
        mutation=Mutation(operator="comparison-swap", path="lib.py", line=2),
        files={
            "lib.py": "A = 1\nB = 2\nC = 3\nD = 4\n",  # 4 code lines
            "conftest.py": "import sys\n",  # 1 test line
            "check_lib.py": "\n".join(
                ["import lib"] + [f"def test_{n}(): pass" for n in "abcde"]
            ),  # 6 test lines
            "SPEC.md": "# spec\n",
        },
        reference_fix={"lib.py": "A = 1\n"},
    )
    nested = Task(
        id="nested",
        title="m is wrong",
        description="m is wrong.",
        difficulty="hard",
        tags=["z"],
        fail_to_pass=["src/m_test.py::test_m"],
        pass_to_pass=["src/m_test.py::test_n", "src/m_test.py::test_o"],
        mutation=Mutation(operator="arith-swap", path="src/m.py", line=1),
        files={
            "src/m.py": "M = 1\n",  # 1 code line
            "src/m_test.py": "def test_m(): pass\ndef test_n(): pass\n",  # 2 test lines
            "test/helpers.py": "H = 0\n",  # 1 test line (under test/)
            "docs/SPEC.md": "# nested spec\n",
        },
        reference_fix={"src/m.py": "M = 2\n"},
    )
    return [plain, spec, nested]


def test_stats_count_the_hand_made_suite_exactly() -> None:
    stats = suite_stats(hand_made_suite())

    assert stats.tasks == 3
    assert stats.by_difficulty == {"easy": 1, "medium": 1, "hard": 1}
    assert stats.files == Spread(total=11, min=3, median=4, max=4)
    assert stats.fail_to_pass == Spread(total=4, min=1, median=1, max=2)
    assert stats.pass_to_pass == Spread(total=3, min=0, median=1, max=2)
    assert stats.code_lines == Spread(total=7, min=1, median=2, max=4)
    assert stats.test_lines == Spread(total=13, min=3, median=3, max=7)
    assert (stats.with_spec, stats.synthesized) == (2, 2)


def test_tags_and_operators_are_listed_most_common_first_then_by_name() -> None:
    stats = suite_stats(hand_made_suite())

    assert list(stats.by_tag.items()) == [("x", 2), ("y", 1), ("z", 1)]
    assert list(stats.by_operator.items()) == [("arith-swap", 1), ("comparison-swap", 1)]


def test_an_even_number_of_tasks_has_a_midpoint_median() -> None:
    stats = suite_stats(hand_made_suite()[:2])

    assert stats.files.median == 3.5


def test_an_empty_suite_counts_zeros() -> None:
    stats = suite_stats([])

    assert (stats.tasks, stats.files, stats.by_tag) == (0, Spread(), {})


def test_stats_cli_json_gives_the_same_numbers(tmp_path) -> None:
    source = export_tasks(hand_made_suite(), tmp_path / "suite")

    result = runner.invoke(app, ["tasks", "stats", "--path", str(source), "--json"])

    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == suite_stats(hand_made_suite()).model_dump(mode="json")


def test_stats_cli_table_shows_sizes_levels_tags_and_operators(tmp_path) -> None:
    source = export_tasks(hand_made_suite(), tmp_path / "suite")

    result = runner.invoke(app, ["tasks", "stats", "--path", str(source)])

    assert result.exit_code == 0, result.stderr
    for text in ("3 tasks", "code lines", "with SPEC.md", "comparison-swap"):
        assert text in result.stdout
    assert max(len(line) for line in result.stdout.splitlines()) <= 80


def test_stats_cli_reports_a_missing_path(tmp_path) -> None:
    result = runner.invoke(app, ["tasks", "stats", "--path", str(tmp_path / "absent")])

    assert result.exit_code == 2
    assert "no such file or directory" in result.stderr
