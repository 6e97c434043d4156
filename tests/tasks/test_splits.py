"""Train / selection / test splits: deterministic, stratified by difficulty, disjoint, covering."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from fixloop.cli import app
from fixloop.tasks.splits import SPLIT_NAMES, split_counts, split_tasks
from fixloop.tasks.task import Task
from fixloop.tasks.writer import export_tasks
from tests.calc_task import make_calc_task

runner = CliRunner()


def suite(easy: int = 10, medium: int = 5, hard: int = 3) -> list[Task]:
    """Copies of the calc task with ids like `easy-03`, in the given numbers per level."""
    sizes = {"easy": easy, "medium": medium, "hard": hard}
    return [
        make_calc_task(id=f"{level}-{i:02d}", difficulty=level)
        for level, n in sizes.items()
        for i in range(n)
    ]


def test_the_same_seed_gives_the_same_split() -> None:
    assert split_tasks(suite(), seed=7).ids() == split_tasks(suite(), seed=7).ids()


def test_another_seed_gives_another_split() -> None:
    assert split_tasks(suite(), seed=1).ids() != split_tasks(suite(), seed=2).ids()


def test_the_split_does_not_depend_on_input_order() -> None:
    tasks = suite()

    assert split_tasks(tasks[::-1], seed=3).ids() == split_tasks(tasks, seed=3).ids()


def test_splits_are_disjoint_and_cover_the_suite() -> None:
    ids = split_tasks(suite(), seed=0).ids()

    every = [task_id for name in SPLIT_NAMES for task_id in ids[name]]
    assert sorted(every) == sorted(t.id for t in suite())
    assert len(set(every)) == len(every)


def test_each_difficulty_is_divided_in_the_given_proportions() -> None:
    splits = split_tasks(suite(easy=10, medium=5, hard=3), fractions=(0.6, 0.2, 0.2))

    assert splits.counts() == {
        "train": {"easy": 6, "medium": 3, "hard": 1},
        "selection": {"easy": 2, "medium": 1, "hard": 1},
        "test": {"easy": 2, "medium": 1, "hard": 1},
    }


@pytest.mark.parametrize(
    ("n", "expected"),
    [(0, [0, 0, 0]), (1, [1, 0, 0]), (2, [1, 1, 0]), (3, [1, 1, 1]), (4, [2, 1, 1]), (7, [4, 2, 1])],
)
def test_counts_follow_largest_remainders_with_one_each_from_three_tasks(n, expected) -> None:
    assert split_counts(n, (0.6, 0.2, 0.2)) == expected


def test_a_zero_fraction_gets_no_task() -> None:
    splits = split_tasks(suite(), fractions=(0.8, 0.2, 0.0))

    assert splits.test == []
    assert len(splits.train) + len(splits.selection) == len(suite())


def test_each_split_lists_its_tasks_by_id() -> None:
    splits = split_tasks(suite())

    assert all(ids == sorted(ids) for ids in splits.ids().values())


@pytest.mark.parametrize("fractions", [(0.5, 0.5), (0.6, 0.3, 0.3), (1.2, -0.1, -0.1)])
def test_bad_fractions_are_rejected(fractions) -> None:
    with pytest.raises(ValueError, match="fractions"):
        split_tasks(suite(), fractions=fractions)


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="duplicate task ids: calc-add"):
        split_tasks([make_calc_task(), make_calc_task()])


def test_split_cli_json_gives_members_and_counts_per_difficulty(tmp_path) -> None:
    source = export_tasks(suite(), tmp_path / "suite.jsonl", fmt="jsonl")

    result = runner.invoke(app, ["tasks", "split", "--path", str(source), "--seed", "5", "--json"])

    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    expected = split_tasks(suite(), seed=5)
    assert {name: data["splits"][name]["ids"] for name in SPLIT_NAMES} == expected.ids()
    assert data["splits"]["test"]["counts"] == {"easy": 2, "medium": 1, "hard": 1}
    assert (data["seed"], data["fractions"]) == (5, [0.6, 0.2, 0.2])


def test_split_cli_table_names_every_task(tmp_path) -> None:
    source = export_tasks(suite(), tmp_path / "suite.jsonl", fmt="jsonl")

    result = runner.invoke(app, ["tasks", "split", "--path", str(source)])

    assert result.exit_code == 0, result.stderr
    assert all(t.id in result.stdout for t in suite())


def test_split_cli_rejects_bad_fractions(tmp_path) -> None:
    source = export_tasks(suite(), tmp_path / "suite.jsonl", fmt="jsonl")

    result = runner.invoke(app, ["tasks", "split", "--path", str(source), "--fractions", "0.5,x,0.5"])

    assert result.exit_code == 2
    assert "must be three numbers" in result.stderr


def test_run_with_split_runs_only_that_split(tmp_path) -> None:
    tasks = suite(easy=3, medium=0, hard=0)
    source = export_tasks(tasks, tmp_path / "suite.jsonl", fmt="jsonl")

    result = runner.invoke(
        app,
        [
            "run",
            "--path",
            str(source),
            "--split",
            "test",
            "--split-seed",
            "4",
            "--sandbox",
            "process",
            "--json",
        ],
    )

    assert result.exit_code == 0, result.stderr
    ran = [row["task"] for row in json.loads(result.stdout)]
    assert ran == split_tasks(tasks, seed=4).ids()["test"]
    assert Counter(row["outcome"] for row in json.loads(result.stdout)) == {"resolved": 1}


def test_run_rejects_an_unknown_split() -> None:
    result = runner.invoke(app, ["run", "--split", "dev"])

    assert result.exit_code == 2
    assert "unknown split 'dev'; choose one of: train, selection, test" in result.stderr
