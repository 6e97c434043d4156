"""`SimConfig`, the one home of the simulated model's parameters, and its named presets.

A propensity is the probability that the behaviour happens at one of its opportunities
(`fixloop.models.sim` says where each opportunity arises). A directive in the prompt that
addresses a behaviour multiplies its propensity by `1 - compliance`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

Probability = Annotated[float, Field(ge=0.0, le=1.0)]


class SimConfig(BaseModel):
    """How a simulated model behaves. Every probability is in [0, 1]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    competence: Probability = Field(
        default=0.7,
        description="Probability that a fix attempt is the reference fix (a simulator may consult it).",
    )
    blind_write: Probability = Field(
        default=0.1, description="Propensity to edit the fix's file without reading it first."
    )
    never_test: Probability = Field(
        default=0.1, description="Propensity to submit right after an edit, with no test run."
    )
    looping: Probability = Field(
        default=0.1, description="Propensity to read the same file three times in a row."
    )
    wrong_files: Probability = Field(
        default=0.1,
        description="Propensity to read irrelevant non-test files instead of the fix's file, for good.",
    )
    wrong_edit: Probability = Field(
        default=0.5,
        description="When an attempt is not the right fix: propensity to make a plausible wrong edit anyway.",
    )
    premature_submit: Probability = Field(
        default=0.1, description="Propensity to submit after a test run that failed."
    )
    malformed: Probability = Field(
        default=0.05, description="Probability that a reply is malformed (prose or broken JSON)."
    )
    compliance: Probability = Field(
        default=0.8,
        description="How much a directive addressing a behaviour reduces it: p * (1 - compliance).",
    )
    chars_per_token: float = Field(
        default=4.0, gt=0.0, description="Simulated usage: characters of prompt or reply per token."
    )


SIM_PRESETS: dict[str, SimConfig] = {
    # A model that gets lost: reads the wrong modules, re-reads, guesses, and garbles its
    # output now and then. Meant for WRONG_FILE_NAVIGATION, LOOPING_BEHAVIOR,
    # HALLUCINATED_CODE and FORMAT_ERRORS, and a low resolve rate.
    "weak": SimConfig(
        competence=0.3,
        blind_write=0.1,
        never_test=0.15,
        looping=0.35,
        wrong_files=0.5,
        wrong_edit=0.7,
        premature_submit=0.35,
        malformed=0.2,
        compliance=0.5,
    ),
    # A capable but sloppy model: edits before reading, skips the tests, submits on a
    # failing run. Meant for BLIND_WRITE, NEVER_TESTED and PREMATURE_SUBMIT; it follows
    # directives well, so feedback that names those habits fixes most of them.
    "careless": SimConfig(
        competence=0.5,
        blind_write=0.6,
        never_test=0.5,
        looping=0.05,
        wrong_files=0.05,
        wrong_edit=0.8,
        premature_submit=0.7,
        malformed=0.02,
        compliance=0.8,
    ),
    # A careful, competent model: the workflow the base prompt asks for, nearly always.
    # Meant to be mostly CORRECT.
    "strong": SimConfig(
        competence=0.9,
        blind_write=0.02,
        never_test=0.02,
        looping=0.02,
        wrong_files=0.02,
        wrong_edit=0.3,
        premature_submit=0.05,
        malformed=0.01,
        compliance=0.9,
    ),
}
"""Named configurations, used as `sim:<name>`."""
