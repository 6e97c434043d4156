"""TemplateExtractor and merge_or_add on real sim:careless trajectories of builtin tasks."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from fixloop.analysis.failure_classifier import classify
from fixloop.core.trajectory import Trajectory
from fixloop.improve.memory.card import CardSource, MemoryCard
from fixloop.improve.memory.extraction import TemplateExtractor, merge_or_add
from fixloop.improve.reflection import hidden_fix_paths
from fixloop.rollout.run_session import RunSettings, execute_run, select_tasks, start_run
from fixloop.store import Store

TASKS = [
    "batching-partial-default",
    "calendar-negative-offsets",
    "dotenv-parser-spec",
    "duration-day-unit",
    "invoice-tax-rounding",
    "leaderboard-shared-rank",
    "pager-exact-multiple",
    "receipt-cents-format",
]
"""Fast builtin tasks on which sim:careless (seed 0) resolves some and fails others, two of
them without opening every file of the reference fix."""

STEP_KINDS = {
    "run the tests",
    "read the failing test",
    "read a module the test imports",
    "read another module",
    "search the code",
    "edit the buggy lines",
    "rewrite a file",
    "undo an edit that did not help",
    "reset the workspace",
    "submit",
}
"""Every kind of step an episodic case may list: what was done, never where."""


@pytest.fixture(scope="module")
def episodes(tmp_path_factory) -> list[Trajectory]:
    url = f"sqlite:///{tmp_path_factory.mktemp('extraction') / 'fixloop.db'}"
    settings = RunSettings(agent="llm", model="sim:careless", suite="builtin", task_ids=TASKS, concurrency=4)
    with Store.open(url) as store:
        tasks = select_tasks(settings)
        run = start_run(store, "careless", settings, tasks)
        execute_run(store, run, settings, tasks)
        return store.trajectories(run)


@pytest.fixture(scope="module")
def task_files() -> dict[str, list[str]]:
    settings = RunSettings(suite="builtin", task_ids=TASKS)
    return {task.id: list(task.files) for task in select_tasks(settings)}


def extracted(trajectory: Trajectory, episode_index: int = 0) -> list[MemoryCard]:
    source = CardSource(run="careless", task_id=trajectory.task_id, episode_index=episode_index)
    return TemplateExtractor().extract(trajectory, source)


def resolved(episodes: list[Trajectory]) -> list[Trajectory]:
    found = [t for t in episodes if t.outcome == "resolved"]
    assert found, "the run resolved no task"
    return found


def failed(episodes: list[Trajectory]) -> list[Trajectory]:
    found = [t for t in episodes if t.outcome not in ("resolved", "infra_error")]
    assert found, "the run failed no task"
    return found


def episode_of(episodes: list[Trajectory], task_id: str) -> Trajectory:
    (trajectory,) = [t for t in episodes if t.task_id == task_id]
    return trajectory


def names_a_file(text: str, path: str) -> bool:
    return path in text or PurePosixPath(path).name in text


def test_a_resolved_episode_yields_one_episodic_case(episodes):
    for trajectory in resolved(episodes):
        (card,) = extracted(trajectory)
        assert card.kind == "episodic_case"
        assert card.status == "candidate"
        assert card.sources == (CardSource(run="careless", task_id=trajectory.task_id, episode_index=0),)


def test_an_episodic_case_lists_only_kinds_of_step(episodes):
    for trajectory in resolved(episodes):
        (card,) = extracted(trajectory)
        assert card.steps
        assert set(card.steps) <= STEP_KINDS, card.steps


def test_an_episodic_case_never_names_a_file_of_its_task(episodes, task_files):
    for trajectory in resolved(episodes):
        (card,) = extracted(trajectory)
        named = [path for path in task_files[trajectory.task_id] if names_a_file(card.text(), path)]
        assert not named, f"{card.text()!r} names {named}"


def test_a_failed_episode_yields_a_failure_pattern_citing_its_primary_label(episodes):
    for trajectory in failed(episodes):
        (card,) = extracted(trajectory)
        label = classify(trajectory).primary.value
        assert card.kind == "failure_pattern"
        assert [source.label for source in card.sources] == [label]
        assert card.content.startswith(f"{label}: ")
        assert card.strategy


def test_a_failure_pattern_never_names_a_fix_file_the_agent_never_opened(episodes):
    hiding = [t for t in failed(episodes) if hidden_fix_paths(t)]
    assert hiding, "no failed episode left a fix file unopened"
    for trajectory in hiding:
        (card,) = extracted(trajectory)
        named = [path for path in hidden_fix_paths(trajectory) if names_a_file(card.text(), path)]
        assert not named, f"{card.text()!r} names {named}"


def test_an_infra_error_yields_no_card(episodes):
    for trajectory in episodes:
        assert extracted(trajectory.model_copy(update={"outcome": "infra_error"})) == []


def test_a_card_is_scoped_to_its_tasks_tags_and_difficulty(episodes):
    for trajectory in episodes:
        facts = trajectory.task_facts
        assert facts is not None
        for card in extracted(trajectory):
            assert set(card.scope.task_tags) == set(facts.tags)
            assert card.scope.difficulties == (facts.difficulty,)
            assert card.scope.agent_roles == ("llm",)


def test_merge_folds_a_near_duplicate_into_the_existing_cards_sources(episodes):
    (existing,) = extracted(episode_of(episodes, "batching-partial-default"))
    (longer,) = extracted(episode_of(episodes, "dotenv-parser-spec"))
    assert set(existing.steps) < set(longer.steps), "the two cases should differ by a step or two"
    near_duplicate = longer.model_copy(update={"scope": existing.scope})

    stored, new = merge_or_add([existing], near_duplicate)

    assert not new
    assert stored.id == existing.id and stored.content == existing.content
    assert stored.sources == existing.sources + near_duplicate.sources


def test_merge_keeps_the_same_lesson_in_another_scope_apart(episodes):
    (existing,) = extracted(episode_of(episodes, "batching-partial-default"))
    (other,) = extracted(episode_of(episodes, "pager-exact-multiple"))
    assert other.content == existing.content and other.scope != existing.scope

    stored, new = merge_or_add([existing], other)

    assert new
    assert stored == other


def test_merge_keeps_a_different_lesson_in_the_same_scope_apart(episodes):
    (case,) = extracted(resolved(episodes)[0])
    (pattern,) = extracted(failed(episodes)[0])
    lesson = pattern.model_copy(update={"kind": case.kind, "scope": case.scope})

    stored, new = merge_or_add([case], lesson)

    assert new
    assert stored == lesson
