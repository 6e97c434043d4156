"""The simulated critic: labelled, seeded, its presets, and calibration lowering its sycophancy."""

import statistics

import pytest

from fixloop.improve.critic.critic import StateView
from fixloop.improve.critic.sim_critic import SIM_CRITIC_PRESETS, make_sim_critic
from tests.calc_task import make_calc_task

TASK = make_calc_task()
EDIT = {"action_type": "replace_lines", "path": "calc.py", "start_line": 3, "end_line": 3, "new_code": "x"}
READ = {"action_type": "read_file", "path": "calc.py"}


def phis(spec: str, action, *, seed: int = 0, calibration: str = "", phi_star: float = 5.0) -> list[float]:
    critic = make_sim_critic(spec, seed=seed, calibration=calibration)
    return [
        critic.score(TASK, StateView(step=s - 1), action, StateView(step=s, phi_star=phi_star)).phi
        for s in range(1, 201)
    ]


def test_a_sim_critic_is_labelled_simulated():
    critic = make_sim_critic("sim-critic:good")
    assert critic.simulated is True
    assert critic.name == "sim-critic:good"


def test_the_presets_have_the_documented_noise_and_sycophancy():
    assert {k: (v.noise, v.sycophancy) for k, v in SIM_CRITIC_PRESETS.items()} == {
        "good": (0.5, 0.0),
        "noisy": (2.0, 0.0),
        "sycophant": (1.0, 2.5),
    }


def test_an_unknown_preset_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="sim-critic:good"):
        make_sim_critic("sim-critic:genius")


def test_the_same_seed_gives_the_same_scores():
    assert phis("sim-critic:noisy", EDIT, seed=3) == phis("sim-critic:noisy", EDIT, seed=3)


def test_another_seed_gives_other_scores():
    assert phis("sim-critic:noisy", EDIT, seed=3) != phis("sim-critic:noisy", EDIT, seed=4)


def test_a_score_does_not_depend_on_what_was_scored_before():
    critic = make_sim_critic("sim-critic:noisy", seed=1)
    after = StateView(step=7, phi_star=5.0)
    first = critic.score(TASK, StateView(step=6), READ, after)
    critic.score(TASK, StateView(step=1), READ, StateView(step=2, phi_star=1.0))
    assert critic.score(TASK, StateView(step=6), READ, after) == first


def test_scores_stay_between_zero_and_ten():
    assert all(0.0 <= phi <= 10.0 for phi in phis("sim-critic:noisy", EDIT, phi_star=9.5))


def test_the_noisy_critic_strays_further_than_the_good_one():
    def spread(spec):
        return statistics.fmean(abs(p - 5.0) for p in phis(spec, READ))

    assert spread("sim-critic:noisy") > 2 * spread("sim-critic:good")


def test_the_sycophant_inflates_edits_but_not_reads():
    assert statistics.fmean(phis("sim-critic:sycophant", EDIT)) > 6.5
    assert abs(statistics.fmean(phis("sim-critic:sycophant", READ)) - 5.0) < 0.5


def test_a_lesson_naming_sycophancy_lowers_the_bias():
    lesson = "(critic calibration) Score the test evidence, not the action: avoid sycophancy."
    plain = statistics.fmean(phis("sim-critic:sycophant", EDIT))
    calibrated = statistics.fmean(phis("sim-critic:sycophant", EDIT, calibration=lesson))
    assert calibrated < plain - 1.5
    assert make_sim_critic("sim-critic:sycophant", calibration=lesson).sycophancy == pytest.approx(0.5)


def test_an_unrelated_lesson_leaves_the_bias():
    critic = make_sim_critic("sim-critic:sycophant", calibration="Run the tests after every edit.")
    assert critic.sycophancy == 2.5


def test_a_sim_critic_needs_the_ground_truth():
    with pytest.raises(ValueError, match="phi_star"):
        make_sim_critic("sim-critic:good").score(TASK, StateView(step=0), READ, StateView(step=1))
