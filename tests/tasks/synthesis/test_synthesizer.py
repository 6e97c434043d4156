"""Selecting mutants by their test outcomes, deduplicating, validating, and writing tasks."""

from pathlib import Path

import pytest

from fixloop.tasks.loader import load_tasks
from fixloop.tasks.repo_tree import write_repo_tree
from fixloop.tasks.synthesis import (
    SEEDS_DIR,
    SynthesisConfig,
    SynthesisError,
    SynthesisResult,
    synthesize,
    write_tasks,
)

# Every mutant of `answer` breaks both tests; no test calls `unused`.
CAUGHT_BY_ALL_OR_NONE = {
    "mini/__init__.py": "",
    "mini/core.py": "def answer():\n    return 42\n\n\ndef unused():\n    return 1\n",
    "tests/test_core.py": (
        "from mini.core import answer\n\n\n"
        "def test_answer_is_exact():\n    assert answer() == 42\n\n\n"
        "def test_answer_is_even():\n    assert answer() % 2 == 0\n"
    ),
}

# `items[0]` -> `items[1]` comes from both off-by-one and wrong-constant: the same bug twice.
INDEXING = {
    "mini/__init__.py": "",
    "mini/core.py": "def first(items):\n    return items[0]\n\n\ndef last(items):\n    return items[-1]\n",
    "tests/test_core.py": (
        "from mini.core import first, last\n\n\n"
        "def test_first():\n    assert first([5, 6, 7]) == 5\n\n\n"
        "def test_last():\n    assert last([5, 6, 7]) == 7\n"
    ),
}

# A failure message here quotes the test file's absolute path, inside a random workspace.
PATHS_IN_MESSAGES = {
    "mini/__init__.py": "",
    "mini/core.py": (
        "def describe(path):\n    return 'file ' + path\n\n\ndef shout(text):\n    return text.upper()\n"
    ),
    "tests/test_core.py": (
        "from mini.core import describe, shout\n\n\n"
        "def test_describe_names_the_file():\n    assert describe(__file__) == 'file ' + __file__\n\n\n"
        "def test_shout():\n    assert shout('hi') == 'HI'\n"
    ),
}

# `n - 1` -> `n + 1` and `1` -> `0` make the loop spin forever.
LOOPING = {
    "mini/__init__.py": "",
    "mini/core.py": "def spin(n):\n    while n:\n        n = n - 1\n    return n\n",
    "tests/test_core.py": (
        "from mini.core import spin\n\n\n"
        "def test_spin_stops_at_zero():\n    assert spin(3) == 0\n\n\n"
        "def test_unrelated():\n    assert True\n"
    ),
}

FAST = SynthesisConfig(n=20, repeats=1)


@pytest.fixture(scope="module")
def indexing(tmp_path_factory, sandbox) -> SynthesisResult:
    """Every mutant of INDEXING tried once (the tests below only read the result)."""
    return synthesize(repo(tmp_path_factory.mktemp("indexing"), INDEXING), sandbox, FAST)


def repo(tmp_path: Path, files: dict[str, str], name: str = "mini") -> Path:
    return write_repo_tree(files, tmp_path / name)


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_a_mutant_that_fails_every_test_or_none_is_rejected(tmp_path, sandbox):
    config = FAST.model_copy(update={"strategy": "full"})
    result = synthesize(repo(tmp_path, CAUGHT_BY_ALL_OR_NONE), sandbox, config)
    verdicts = sorted((c.mutation.line, c.mutation.mutated, c.verdict) for c in result.candidates)
    assert verdicts == [
        (2, "43", "all-fail"),
        (2, "return None", "all-fail"),
        (6, "0", "no-fail"),
        (6, "return None", "no-fail"),
    ]
    assert result.tasks == []
    assert result.rejected == {"all-fail": 2, "no-fail": 2}


def test_the_coverage_strategy_skips_mutants_no_test_runs(tmp_path, sandbox):
    result = synthesize(repo(tmp_path, CAUGHT_BY_ALL_OR_NONE), sandbox, FAST)
    verdicts = sorted((c.mutation.line, c.mutation.mutated, c.verdict) for c in result.candidates)
    assert verdicts == [(2, "43", "all-fail"), (2, "return None", "all-fail")]
    assert result.skipped == {"uncovered": 2}


def test_a_mutant_whose_tests_hang_is_rejected_as_a_timeout(tmp_path, sandbox):
    config = SynthesisConfig(n=20, repeats=1, candidate_timeout_s=2)
    result = synthesize(repo(tmp_path, LOOPING), sandbox, config)
    timeouts = sorted(c.mutation.mutated for c in result.candidates if c.verdict == "timeout")
    assert timeouts == ["0", "n + 1"]


def test_equivalent_mutants_are_deduplicated_keeping_the_first(indexing):
    same_bug = [
        c for c in indexing.candidates if c.mutation.line == 2 and c.mutation.mutated in ("items[1]", "1")
    ]
    assert [c.verdict for c in same_bug] == ["kept", "equivalent"]
    assert len([t for t in indexing.tasks if "items[1]" in t.files["mini/core.py"]]) == 1


def test_a_kept_mutant_becomes_a_task_that_fails_some_tests_and_passes_others(indexing):
    task = next(t for t in indexing.tasks if t.mutation and t.mutation.mutated == "items[-2]")
    assert task.fail_to_pass == ["tests/test_core.py::test_last"]
    assert task.pass_to_pass == ["tests/test_core.py::test_first"]
    assert task.files["mini/core.py"] == INDEXING["mini/core.py"].replace("items[-1]", "items[-2]")
    assert task.reference_fix == {"mini/core.py": INDEXING["mini/core.py"]}
    assert (task.tags, task.max_steps, task.difficulty.value) == (["synthesized", "off-by-one"], 25, "easy")
    assert task.id.startswith("mini-off-by-one-")


def test_the_description_reports_the_failure_without_giving_away_the_bug(indexing):
    task = next(t for t in indexing.tasks if t.mutation and t.mutation.mutated == "items[-2]")
    assert "tests/test_core.py::test_last" in task.description
    assert "AssertionError: assert 6 == 7" in task.description
    assert "mini/core.py" not in task.description
    assert "items[" not in task.description


def test_descriptions_do_not_depend_on_the_temporary_workspace(tmp_path, sandbox):
    result = synthesize(repo(tmp_path, PATHS_IN_MESSAGES), sandbox, FAST)
    descriptions = "\n".join(task.description for task in result.tasks)
    assert "AssertionError: assert None == ('file ' + 'tests/test_core.py')" in descriptions
    assert "fixloop" not in descriptions


def test_no_more_than_n_tasks_are_made(tmp_path, sandbox):
    result = synthesize(repo(tmp_path, INDEXING), sandbox, SynthesisConfig(n=2, repeats=1))
    assert len(result.tasks) == 2
    assert result.tried == 2


def test_the_try_budget_stops_the_search(tmp_path, sandbox):
    config = SynthesisConfig(n=20, repeats=1, max_tries=3, strategy="full")
    assert synthesize(repo(tmp_path, CAUGHT_BY_ALL_OR_NONE), sandbox, config).tried == 3


def test_a_repository_whose_tests_fail_cannot_seed_tasks(tmp_path, sandbox):
    broken = {**INDEXING, "mini/core.py": INDEXING["mini/core.py"].replace("items[0]", "items[1]")}
    with pytest.raises(SynthesisError, match=r"must pass all its tests .*::test_first \(failed\)"):
        synthesize(repo(tmp_path, broken), sandbox, FAST)


def test_a_repository_without_tests_cannot_seed_tasks(tmp_path, sandbox):
    with pytest.raises(SynthesisError, match="found no test"):
        synthesize(repo(tmp_path, {"mini/core.py": "X = 1\n", "tests/README": "none yet\n"}), sandbox, FAST)


def test_written_tasks_load_back_unchanged(tmp_path, indexing):
    write_tasks(indexing.tasks, tmp_path / "out")
    assert load_tasks(tmp_path / "out") == sorted(indexing.tasks, key=lambda t: t.id)


@pytest.fixture(scope="module")
def shopfloor_runs(sandbox) -> dict[str, SynthesisResult]:
    """Three syntheses of 3 tasks from the shopfloor seed: seed 11 twice, then seed 12."""

    def run(seed: int) -> SynthesisResult:
        return synthesize(SEEDS_DIR / "shopfloor", sandbox, SynthesisConfig(n=3, seed=seed, repeats=1))

    return {"first": run(11), "again": run(11), "other": run(12)}


def test_the_same_seed_writes_byte_identical_task_directories(tmp_path, shopfloor_runs):
    for name in ("first", "again"):
        write_tasks(shopfloor_runs[name].tasks, tmp_path / name)
    assert tree(tmp_path / "first") == tree(tmp_path / "again")
    assert len(list((tmp_path / "first").iterdir())) == 3


def test_another_seed_selects_other_mutants(shopfloor_runs):
    def chosen(name: str) -> list[str]:
        return [task.id for task in shopfloor_runs[name].tasks]

    assert chosen("first") != chosen("other")
