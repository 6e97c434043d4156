"""Coverage-guided synthesis: the line-to-test map, skipped and screened mutants, the reasons a
candidate is rejected, parallel workers, and builds that add to a suite without repeating it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.sandbox.base import TestCaseResult, TestRunResult
from fixloop.sandbox.report_plugin import COVERAGE_MISSING
from fixloop.tasks.loader import load_tasks
from fixloop.tasks.repo_tree import read_repo_tree, write_repo_tree
from fixloop.tasks.synthesis import (
    SynthesisConfig,
    SynthesisError,
    SynthesisResult,
    build_suite,
    enumerate_mutants,
    seed_repos,
    synthesize,
)
from fixloop.tasks.synthesis.index import INDEX_FILE, read_index
from fixloop.tasks.synthesis.synthesizer import Baseline, check_baseline
from fixloop.tasks.validator import validate_tasks

runner = CliRunner()

# Two modules; `report` has no test; `RATE` and the decorator run at import.
SHOP = {
    "shop/__init__.py": "",
    "shop/prices.py": (
        "RATE = 20\n"  # 1
        "\n"
        "\n"
        "def gross(net):\n"  # 4
        "    return net + net * RATE // 100\n"  # 5
        "\n"
        "\n"
        "def discount(price, percent):\n"  # 8
        "    if percent > 50:\n"  # 9
        "        raise ValueError('too much')\n"  # 10
        "    return price - price * percent // 100\n"  # 11
        "\n"
        "\n"
        "def report(prices):\n"  # 14
        "    return ', '.join(str(p) for p in prices)\n"  # 15
    ),
    "shop/cart.py": (
        "from shop.prices import gross\n"  # 1
        "\n"
        "\n"
        "def total(items):\n"  # 4
        "    result = 0\n"  # 5
        "    for price, count in items:\n"  # 6
        "        result += gross(price) * count\n"  # 7
        "    return result\n"  # 8
        "\n"
        "\n"
        "def cheapest(items):\n"  # 11
        "    return min(items, key=lambda item: item[0])[0] if items else None\n"  # 12
    ),
    "tests/__init__.py": "",
    "tests/test_prices.py": (
        "import pytest\n\nfrom shop.prices import discount, gross\n\n\n"
        "def test_gross():\n    assert gross(100) == 120\n\n\n"
        "def test_discount():\n    assert discount(200, 10) == 180\n\n\n"
        "def test_discount_limit():\n    with pytest.raises(ValueError):\n        discount(10, 60)\n"
    ),
    "tests/test_cart.py": (
        "from shop.cart import cheapest, total\n\n\n"
        "def test_total():\n    assert total([(100, 2), (10, 1)]) == 252\n\n\n"
        "def test_empty_total():\n    assert total([]) == 0\n\n\n"
        "def test_cheapest():\n    assert cheapest([(5, 'a'), (3, 'b')]) == 3\n\n\n"
        "def test_no_cheapest():\n    assert cheapest([]) is None\n"
    ),
}

PRICES = "tests/test_prices.py::"
CART = "tests/test_cart.py::"

# A test that passes only on the first run in a checkout: every caught mutant is flaky.
FIRST_RUN_ONLY = {
    "mini/__init__.py": "",
    "mini/core.py": "def double(x):\n    return x * 2\n\n\ndef inc(x):\n    return x + 1\n",
    "tests/test_core.py": (
        "import pathlib\n\nfrom mini.core import double, inc\n\n\n"
        "def test_double():\n    assert double(2) == 4\n\n\n"
        "def test_inc():\n    assert inc(2) == 3\n\n\n"
        "def test_first_run_in_this_checkout():\n"
        "    marker = pathlib.Path(__file__).parent / 'ran'\n"
        "    existed = marker.exists()\n"
        "    marker.write_text('x')\n"
        "    assert not existed\n"
    ),
}

QUICK = SynthesisConfig(n=40, repeats=1)


@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    return write_repo_tree(SHOP, tmp_path_factory.mktemp("shop") / "shop")


@pytest.fixture(scope="module")
def baseline(shop, sandbox) -> Baseline:
    return check_baseline(shop, read_repo_tree(shop), sandbox, SynthesisConfig())


@pytest.fixture(scope="module")
def runs(shop, sandbox) -> dict[str, SynthesisResult]:
    """Every mutant of SHOP tried: coverage-guided with 1 and 2 workers, and the full strategy."""
    return {
        "coverage-1": synthesize(shop, sandbox, QUICK.model_copy(update={"workers": 1})),
        "coverage-2": synthesize(shop, sandbox, QUICK),
        "full": synthesize(shop, sandbox, QUICK.model_copy(update={"strategy": "full"})),
    }


def mutant_at(path: str, line: int, mutated: str):
    [mutant] = [
        m
        for m in enumerate_mutants(SHOP, ["tests"])
        if (m.path, m.site.line, m.site.mutated) == (path, line, mutated)
    ]
    return mutant


def test_the_coverage_map_lists_the_tests_that_ran_each_line(baseline):
    coverage = baseline.coverage
    assert coverage is not None
    assert coverage.by_line[("shop/prices.py", 5)] == [f"{CART}test_total", f"{PRICES}test_gross"]
    assert coverage.by_line[("shop/prices.py", 10)] == [f"{PRICES}test_discount_limit"]
    assert coverage.by_line[("shop/cart.py", 7)] == [f"{CART}test_total"]
    assert ("shop/prices.py", 15) not in coverage.by_line
    assert ("shop/prices.py", 1) not in coverage.by_line  # runs at import, in no test


def test_a_site_in_a_function_runs_only_the_tests_that_ran_its_statement(baseline):
    coverage = baseline.coverage
    mutant = mutant_at("shop/prices.py", 9, "percent >= 50")
    assert coverage.tests_for(mutant, SHOP["shop/prices.py"]) == [
        f"{PRICES}test_discount",
        f"{PRICES}test_discount_limit",
    ]


def test_a_site_that_runs_at_import_runs_every_test(baseline):
    mutant = mutant_at("shop/prices.py", 1, "21")
    assert baseline.coverage.tests_for(mutant, SHOP["shop/prices.py"]) == baseline.tests


def test_mutants_no_test_runs_are_skipped_and_never_tried(runs):
    uncovered = [
        m for m in enumerate_mutants(SHOP, ["tests"]) if m.path == "shop/prices.py" and m.site.line == 15
    ]
    result = runs["coverage-2"]
    assert uncovered
    assert result.skipped == {"uncovered": len(uncovered)}
    assert not [c for c in result.candidates if (c.mutation.path, c.mutation.line) == ("shop/prices.py", 15)]
    assert [
        c for c in runs["full"].candidates if c.mutation.line == 15 and c.mutation.path == "shop/prices.py"
    ]


def test_a_mutant_runs_only_the_tests_of_its_line_and_says_they_all_passed(runs):
    def candidate(name: str):
        [found] = [
            c
            for c in runs[name].candidates
            if (c.mutation.path, c.mutation.line, c.mutation.mutated)
            == ("shop/prices.py", 9, "percent >= 50")
        ]
        return found

    guided, full = candidate("coverage-2"), candidate("full")
    assert (guided.verdict, guided.tests_run) == ("no-fail", 2)
    assert guided.reason.detail == "all 2 tests that run the mutated line pass"
    assert PRICES + "test_discount_limit" in guided.reason.excerpt
    assert (full.verdict, full.tests_run) == ("no-fail", 7)
    assert full.reason.detail == "all 7 tests pass on the mutant"


def test_workers_do_not_change_the_tasks_or_the_candidates(runs):
    assert runs["coverage-1"].tasks == runs["coverage-2"].tasks
    assert runs["coverage-1"].candidates == runs["coverage-2"].candidates
    assert len(runs["coverage-2"].tasks) >= 10


def test_both_strategies_make_the_same_task_of_the_same_mutant(runs):
    full = {task.id: task for task in runs["full"].tasks}
    shared = [task for task in runs["coverage-2"].tasks if task.id in full]
    assert len(shared) >= 10
    assert all(task == full[task.id] for task in shared)


def test_every_coverage_guided_task_validates(runs, sandbox):
    reports = validate_tasks(runs["coverage-2"].tasks[:6], sandbox, repeats=2)
    assert [r.problems for r in reports if not r.valid] == []


def test_every_rejected_candidate_says_which_check_failed_and_where(runs):
    for candidate in runs["coverage-2"].candidates:
        if candidate.verdict == "kept":
            assert candidate.reason is None
        else:
            assert candidate.reason is not None and candidate.reason.check and candidate.reason.detail
            assert candidate.reason.side == "buggy"


def test_a_mutant_that_fails_every_test_quotes_a_failure(tmp_path, sandbox):
    files = {
        "mini/__init__.py": "",
        "mini/core.py": "def answer():\n    return 42\n",
        "tests/test_core.py": (
            "from mini.core import answer\n\n\n"
            "def test_exact():\n    assert answer() == 42\n\n\n"
            "def test_even():\n    assert answer() % 2 == 0\n"
        ),
    }
    result = synthesize(write_repo_tree(files, tmp_path / "mini"), sandbox, QUICK)
    [reason] = [c.reason for c in result.candidates if c.mutation.mutated == "43"]
    assert (reason.check, reason.side) == ("some test passes", "buggy")
    assert reason.detail == "every one of the 2 tests fails on the mutant"
    assert reason.excerpt == "tests/test_core.py::test_exact: AssertionError: assert 43 == 42"


def test_a_candidate_validation_finds_flaky_says_so_with_the_side(tmp_path, sandbox):
    config = SynthesisConfig(n=1, repeats=3, max_tries=1)
    result = synthesize(write_repo_tree(FIRST_RUN_ONLY, tmp_path / "mini"), sandbox, config)
    [candidate] = result.candidates
    assert candidate.verdict == "flaky"
    assert candidate.reason.check == "no test is flaky"
    assert candidate.reason.side == "buggy"
    assert "test_first_run_in_this_checkout is flaky on the buggy repo" in candidate.reason.detail
    assert "flaky on the fixed repo" in candidate.reason.excerpt
    assert result.tasks == []


def test_a_second_build_into_the_same_suite_skips_what_the_first_tried(tmp_path, shop, sandbox):
    out = tmp_path / "suite"
    config = SynthesisConfig(n=3, repeats=1, seed=5)
    [first] = build_suite([shop], out, sandbox, config)
    [second] = build_suite([shop], out, sandbox, config)

    assert len(first.tasks) == len(second.tasks) == 3
    assert not {t.id for t in first.tasks} & {t.id for t in second.tasks}
    assert second.skipped["tried-before"] == first.tried
    index = read_index(out)
    assert len(index) == first.tried + second.tried
    assert sorted(t.id for t in load_tasks(out)) == sorted(t.id for t in [*first.tasks, *second.tasks])


def test_a_build_shares_n_among_the_seeds_and_reports_the_suite(tmp_path, sandbox):
    out = tmp_path / "suite"
    results = build_suite(seed_repos(), out, sandbox, SynthesisConfig(n=4, repeats=1))
    assert [len(r.tasks) for r in results] == [2, 1, 1]
    assert (out / INDEX_FILE).is_file()

    shown = runner.invoke(app, ["tasks", "stats", "--path", str(out), "--synthesis", "--json"])
    assert shown.exit_code == 0, shown.stderr
    stats = json.loads(shown.stdout)
    assert stats["synthesized"] == 4
    assert sum(row["total"] for row in stats["by_operator"].values()) == 4
    assert sum(stats["by_file"].values()) == 4
    assert stats["candidates"]["kept"] == 4
    table = runner.invoke(app, ["tasks", "stats", "--path", str(out), "--synthesis"])
    assert "mutated files" in table.stdout and "medium" in table.stdout


def test_synthesize_json_lists_each_rejection_with_its_reason(tmp_path):
    files = {
        "mini/__init__.py": "",
        "mini/core.py": "def answer():\n    return 42\n\n\ndef unused():\n    return 1\n",
        "tests/test_core.py": (
            "from mini.core import answer\n\n\ndef test_exact():\n    assert answer() == 42\n"
        ),
    }
    source = write_repo_tree(files, tmp_path / "mini")
    args = ["tasks", "synthesize", "--from", str(source), "--repeats", "1"]
    result = runner.invoke(app, [*args, "-o", str(tmp_path / "suite"), "--json"])
    assert result.exit_code == 1  # no task: every mutant fails the only test
    report = json.loads(result.stdout)
    assert {row["verdict"] for row in report["rejected"]} == {"all-fail"}
    row = report["rejected"][0]
    # One verdict from screening, one from the run of the whole suite.
    assert (row["check"], row["side"], row["tests_run"]) == ("some test passes", "buggy", 2)
    assert row["excerpt"].startswith("tests/test_core.py::test_exact: AssertionError")
    assert report["summary"]["skipped"] == {"uncovered": 2}


class SandboxWithoutCoverage:
    """Passes every test but records no coverage, as a sandbox without coverage.py does."""

    name = "no-coverage"

    def run_tests(self, workspace, targets=(), *, limits=None, coverage=False) -> TestRunResult:
        test = TestCaseResult(node_id="tests/test_core.py::test_exact", outcome="passed")
        note = f"{COVERAGE_MISSING} (No module named 'coverage'); install coverage>=7 ..."
        return TestRunResult(tests=[test], output=note if coverage else "")


def test_a_sandbox_that_records_no_coverage_is_a_clear_error(tmp_path):
    files = {"mini/core.py": "X = 1\n", "tests/test_core.py": "def test_exact():\n    pass\n"}
    repo = write_repo_tree(files, tmp_path / "mini")
    with pytest.raises(SynthesisError, match=r"recorded no coverage .*cannot be imported.*`full` strategy"):
        check_baseline(repo, files, SandboxWithoutCoverage(), SynthesisConfig())
    assert check_baseline(repo, files, SandboxWithoutCoverage(), SynthesisConfig(strategy="full")).tests
