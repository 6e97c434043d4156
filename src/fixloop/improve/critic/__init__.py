"""The critic: scores progress Φ of a state transition, calibrated against test-based ground truth.

`critic` holds the `Critic` protocol, `CriticScore`, `StateView` and the model critic
(`LLMCritic`); `sim_critic` the offline simulated critic; `ground_truth` Φ* per step of a
stored trajectory, measured by replaying it and running the graded tests; `metrics` how a
critic's scores compare with Φ*; `contrast` contrast pairs and the `critic_calibration` memory
cards they become. Import from those modules: this package re-exports nothing.
"""
