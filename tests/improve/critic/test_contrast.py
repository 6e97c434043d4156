"""Contrast pairs from constructed ground truth, and the critic_calibration cards they become:
templates offline, and a model against a real OpenAI-compatible HTTP server."""

import pytest

from fixloop.improve.critic.contrast import (
    LLMContrast,
    TemplateContrast,
    calibration_cards,
    verdict_change,
)
from fixloop.improve.critic.ground_truth import GroundTruthPoint
from fixloop.improve.critic.sim_critic import addresses_sycophancy
from fixloop.improve.memory.card import MAX_CARD_TOKENS
from fixloop.models.openai_provider import OpenAIModel
from fixloop.models.retry import RetryPolicy
from tests.fake_openai_server import FakeOpenAIServer, Reply

SMALL, NEG, ZERO = "t.py::test_add_small", "t.py::test_add_negative", "t.py::test_add_zero"


def point(step: int, phi: float, failing: tuple[str, ...], changed: bool = True) -> GroundTruthPoint:
    passed = 4 - len(failing)
    return GroundTruthPoint(
        step=step, phi_star=phi, changed=changed, passed=passed, total=4, failing=failing, outcome="partial"
    )


POINTS = [
    point(0, 5.0, (SMALL, NEG), changed=False),
    point(1, 5.0, (SMALL, NEG), changed=False),  # a read
    point(2, 2.5, (SMALL, NEG, ZERO)),  # an edit that breaks a passing test
    point(3, 5.0, (SMALL, NEG)),  # undone
    point(4, 10.0, ()),  # the fix
]
ACTIONS = {1: "read_file", 2: "replace_lines", 3: "undo_edit", 4: "replace_lines"}


def template(actions=ACTIONS):
    return TemplateContrast().pairs("calc-add", POINTS, actions)


def test_the_verdict_change_names_the_tests_that_moved():
    assert verdict_change(POINTS[1], POINTS[2]) == "2/4 -> 1/4 graded tests pass; now failing: test_add_zero"
    assert verdict_change(POINTS[3], POINTS[4]) == (
        "2/4 -> 4/4 graded tests pass; now passing: test_add_small, test_add_negative"
    )


def test_only_steps_that_moved_phi_star_make_pairs():
    assert sorted({p.step for p in template().pairs}) == [2, 3, 4]


def test_a_fall_after_an_edit_is_contrasted_with_every_known_mistake():
    mistakes = [p.mistake for p in template().pairs if p.step == 2]
    assert mistakes == ["credit_for_intentions", "sycophancy", "ignoring_evidence", "scale_inconsistency"]


def test_a_rise_is_contrasted_with_ignoring_the_evidence_and_another_scale():
    assert [p.mistake for p in template().pairs if p.step == 4] == [
        "ignoring_evidence",
        "scale_inconsistency",
    ]


def test_a_fall_after_an_undo_is_not_called_sycophancy():
    actions = {**ACTIONS, 2: "undo_edit"}
    assert "sycophancy" not in [p.mistake for p in template(actions).pairs if p.step == 2]


def test_the_correct_judgement_is_phi_star_with_the_verdict_change_as_evidence():
    pair = next(p for p in template().pairs if p.step == 2)
    assert pair.correct.phi == 2.5
    assert pair.correct.evidence == "2/4 -> 1/4 graded tests pass; now failing: test_add_zero"
    assert pair.wrong.phi == 7.0


def test_every_wrong_judgement_is_off_by_at_least_half_a_point():
    assert all(abs(p.wrong.phi - p.phi_star) >= 0.5 for p in template().pairs)


def test_template_pairs_are_deterministic():
    assert template() == template()


def test_pairs_become_candidate_critic_calibration_cards_with_sources():
    cards = calibration_cards(template().pairs, run="run-1", episode_index=3)
    assert len(cards) == 8
    assert {c.kind for c in cards} == {"critic_calibration"}
    assert {c.status for c in cards} == {"candidate"}
    assert {c.creator for c in cards} == {"critic:template"}
    source = cards[0].sources[0]
    assert (source.run, source.task_id, source.episode_index, source.step, source.label) == (
        "run-1",
        "calc-add",
        3,
        2,
        "credit_for_intentions",
    )


def test_a_cards_content_states_the_lesson_with_its_evidence():
    card = calibration_cards(template().pairs)[0]
    assert card.content.startswith("Score the test evidence, not the intention:")
    assert "now failing: test_add_zero" in card.content
    assert card.tokens <= MAX_CARD_TOKENS


def test_the_sycophancy_card_is_one_the_simulated_critic_heeds():
    cards = calibration_cards(template().pairs)
    sycophancy = [c for c in cards if c.sources[0].label == "sycophancy"]
    assert sycophancy and addresses_sycophancy(sycophancy[0].text())


def test_equal_lessons_share_one_card_with_both_sources():
    pair = template().pairs[0]
    (card,) = calibration_cards([pair, pair.model_copy(update={"task_id": "other"})])
    assert [s.task_id for s in card.sources] == ["calc-add", "other"]


# the model as the source of wrong judgements


def contrast(server: FakeOpenAIServer) -> LLMContrast:
    model = OpenAIModel(
        "fake-model", base_url=server.base_url, timeout_s=5, retry=RetryPolicy(max_attempts=1)
    )
    return LLMContrast(model)


WRONG = {
    "mistake": "sycophancy",
    "phi": 8.0,
    "evidence": "the agent edited calc.py",
    "reasoning": "An edit is progress.",
    "lesson": "Do not reward an edit the tests did not confirm.",
}


def test_a_valid_reply_becomes_a_pair_per_step_that_moved():
    with FakeOpenAIServer(Reply.json(WRONG)) as server:
        result = contrast(server).pairs("calc-add", POINTS, ACTIONS)
        asked = len(server.requests)
    assert asked == 3
    assert result.errors == []
    assert [p.step for p in result.pairs] == [2, 3, 4]
    pair = result.pairs[0]
    assert (pair.mistake, pair.wrong.phi, pair.correct.phi, pair.creator) == (
        "sycophancy",
        8.0,
        2.5,
        "critic:llm",
    )
    assert result.tokens > 0
    (card, *_) = calibration_cards(result.pairs)
    assert (card.creator, card.content) == ("critic:llm", "Do not reward an edit the tests did not confirm.")


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        (Reply.garbage(), "not a JSON object"),
        (Reply(text=""), "not a JSON object"),
        (Reply.json({**WRONG, "mistake": "laziness"}), "does not fit the schema"),
        (Reply.json({**WRONG, "lesson": ""}), "does not fit the schema"),
    ],
)
def test_an_unusable_reply_is_recorded_and_its_pair_dropped(reply, error):
    with FakeOpenAIServer(reply) as server:
        result = contrast(server).pairs("calc-add", POINTS, ACTIONS)
    assert result.pairs == []
    assert len(result.errors) == 3
    assert result.errors[0].startswith("step 2: ")
    assert error in result.errors[0]


def test_a_wrong_judgement_that_is_right_is_dropped():
    with FakeOpenAIServer(Reply.json({**WRONG, "phi": 10.0})) as server:
        result = contrast(server).pairs("calc-add", POINTS, ACTIONS)
    assert [p.step for p in result.pairs] == [2, 3]
    assert result.errors == ["step 4: the wrong judgement is not wrong or has no lesson"]
