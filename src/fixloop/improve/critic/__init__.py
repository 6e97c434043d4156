"""The critic: scores progress Φ of a state transition, calibrated against test-based ground truth.

`critic` holds the `Critic` protocol, `CriticScore`, `StateView` and the model critic
(`LLMCritic`); `sim_critic` the offline simulated critic; `ground_truth` Φ* per step of a
stored trajectory, measured by replaying it and running the graded tests; `metrics` how a
critic's scores compare with Φ*; `contrast` contrast pairs and the `critic_calibration` memory
cards they become; `episode` a critic over a stored episode; `calibration_replay` the
replay that admits a calibration card only when it improves the critic's agreement with Φ*.
Import from those modules: this package re-exports nothing.
"""
