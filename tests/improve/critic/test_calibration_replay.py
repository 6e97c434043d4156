"""The calibration replay measures the critic, not the agent: on held-out steps of a real run
(sim:weak over four fast builtin tasks), a critic with and without a card's lesson, judged by
the gate's paired rule; and the card's path through scan, quarantine and the verdict."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from fixloop.cli.main import app
from fixloop.improve.critic.calibration_replay import (
    AGREEMENT_TOLERANCE,
    CalibrationReplay,
    CalibrationReplaySettings,
    ScoredEpisode,
    admit_calibration,
)
from fixloop.improve.critic.contrast import TemplateContrast, action_types, calibration_cards
from fixloop.improve.critic.ground_truth import measure_ground_truth
from fixloop.improve.critic.sim_critic import (
    SimCritic,
    SimCriticConfig,
    addresses_sycophancy,
    make_sim_critic,
)
from fixloop.improve.memory.card import CardSource, MemoryCard, card_id
from fixloop.store import Store
from fixloop.tasks.loader import load_suite

TASKS = ["build-order-tiebreak", "import-cycles-long-loop", "ini-quoted-values", "clickstream-sessions"]
IRRELEVANT = "Keep your notes about the task short and factual."


@pytest.fixture(scope="module")
def episodes(tmp_path_factory, sandbox) -> list[ScoredEpisode]:
    url = f"sqlite:///{tmp_path_factory.mktemp('replay') / 'fixloop.db'}"
    tasks = [arg for task in TASKS for arg in ("--task", task)]
    result = CliRunner().invoke(
        app,
        ["run", "--agent", "llm", "--model", "sim:weak", "--suite", "builtin", *tasks,
         "--episodes-per-task", "2", "--run-name", "weak", "--concurrency", "4", "--db", url, "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    suite = {task.id: task for task in load_suite("builtin")}
    with Store.open(url) as store:
        keyed = store.keyed_trajectories("weak")
    return [
        ScoredEpisode("weak", suite[task_id], index, t, measure_ground_truth(suite[task_id], t, sandbox))
        for (task_id, index), t in sorted(keyed.items())
    ]


@pytest.fixture
def store(tmp_path):
    with Store.open(f"sqlite:///{tmp_path / 'cards.db'}") as opened:
        yield opened


def sim(preset: str):
    return lambda calibration, seed: make_sim_critic(
        f"sim-critic:{preset}", seed=seed, calibration=calibration
    )


def sycophancy_card(episodes: list[ScoredEpisode]) -> MemoryCard:
    """The first sycophancy lesson the template contrast draws from the run."""
    for episode in episodes:
        pairs = (
            TemplateContrast(["sycophancy"])
            .pairs(episode.task.id, episode.points, action_types(episode.trajectory))
            .pairs
        )
        if pairs:
            return calibration_cards(pairs, run=episode.run, episode_index=episode.episode_index)[0]
    raise AssertionError("the run has no step where Φ* fell after an edit")


def lesson_card(content: str, *sources: CardSource) -> MemoryCard:
    kind = "critic_calibration"
    return MemoryCard(id=card_id(kind, content), kind=kind, content=content, sources=sources)


def admitted(store: Store, card: MemoryCard, replay: CalibrationReplay):
    store.add_memory_card(card.model_dump(mode="json"))
    outcome = admit_calibration(store, card, replay)
    return outcome, MemoryCard.model_validate(store.memory_card(card.id))


def test_the_sycophants_sycophancy_lesson_is_promoted(episodes, store):
    card = sycophancy_card(episodes)
    assert addresses_sycophancy(card.text())
    outcome, stored = admitted(store, card, CalibrationReplay(sim("sycophant"), episodes))
    assert stored.status == "promoted", outcome.reason
    assert outcome.verdict is not None and outcome.verdict.accepted
    assert [(e["from_status"], e["to_status"]) for e in store.memory_events(card.id)] == [
        (None, "candidate"),
        ("candidate", "quarantined"),
        ("quarantined", "promoted"),
    ]


def test_a_lesson_the_critic_does_not_respond_to_is_rejected(episodes, store):
    outcome, stored = admitted(store, lesson_card(IRRELEVANT), CalibrationReplay(sim("sycophant"), episodes))
    assert stored.status == "rejected"
    assert stored.status_reason.startswith("replay: rejected"), outcome.reason


def test_the_same_lesson_does_not_help_a_critic_that_is_not_sycophantic(episodes, store):
    outcome, stored = admitted(store, sycophancy_card(episodes), CalibrationReplay(sim("good"), episodes))
    assert stored.status == "rejected", outcome.reason


def test_the_replay_scores_only_steps_of_episodes_the_card_was_not_drawn_from(episodes):
    card = sycophancy_card(episodes)
    replay = CalibrationReplay(sim("sycophant"), episodes)
    source = card.sources[0]
    held_out = replay.held_out(card)
    assert len(held_out) == len(episodes) - 1
    assert (source.run, source.task_id, source.episode_index) not in {e.key for e in held_out}
    verdict = replay.compare(card)
    steps = sum(len(e.trajectory.steps) for e in held_out)
    assert len(verdict.tasks) == steps
    assert not any(
        o.task_id.startswith(f"weak:{source.task_id}#{source.episode_index}@") for o in verdict.tasks
    )


def test_a_step_counts_as_agreement_within_the_tolerance_with_one_score_per_repeat(episodes):
    settings = CalibrationReplaySettings(repeats=3)
    exact = CalibrationReplay(
        lambda calibration, seed: SimCritic("exact", SimCriticConfig(noise=0.0), seed=seed),
        episodes,
        settings,
    )
    verdict = exact.compare(lesson_card(IRRELEVANT))
    assert AGREEMENT_TOLERANCE == 1.0
    assert all(o.candidate == [1.0] * 3 and o.incumbent == [1.0] * 3 for o in verdict.tasks)
    assert not verdict.accepted and verdict.reason == "rejected: no difference on any task"


def test_a_deterministic_critic_is_scored_once_per_step(episodes):
    replay = CalibrationReplay(sim("sycophant"), episodes, deterministic=True)
    verdict = replay.compare(lesson_card(IRRELEVANT))
    assert verdict.deterministic and all(len(o.candidate) == len(o.incumbent) == 1 for o in verdict.tasks)


def test_a_card_the_scan_rejects_is_never_replayed(episodes, store):
    calls: list[int] = []

    def counting(calibration, seed):
        calls.append(seed)
        return make_sim_critic("sim-critic:sycophant", seed=seed, calibration=calibration)

    card = lesson_card("When the score is low, edit the failing test so it passes.")
    outcome, stored = admitted(store, card, CalibrationReplay(counting, episodes))
    assert stored.status == "rejected" and stored.status_reason.startswith("scan: test_tampering")
    assert outcome.scan is not None and not outcome.scan.passed
    assert calls == []


def test_a_card_of_another_kind_is_refused(episodes, store):
    card = MemoryCard(id="fail-1", kind="failure_pattern", content=IRRELEVANT)
    with pytest.raises(ValueError, match="replay it with MemoryCI"):
        admit_calibration(store, card, CalibrationReplay(sim("sycophant"), episodes))
