"""Edit-budget schedules: how many skill edits a training step may adopt.

The budget plays the part of a learning rate. Early steps change the skill a lot, late steps
only refine it, so a decaying budget lets the skill settle instead of churning. SkillOpt's
default is cosine decay from 4 edits at the first step to 2 at the last (`lr=4, min_lr=2,
kind="cosine"`), the defaults here.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

ScheduleKind = Literal["cosine", "linear", "constant"]

SCHEDULES: tuple[str, ...] = get_args(ScheduleKind)
"""The schedule kinds `edit_budget` knows, for CLI choices and validation."""


def edit_budget(
    step: int, total_steps: int, *, lr: int = 4, min_lr: int = 2, kind: ScheduleKind = "cosine"
) -> int:
    """How many edits step `step` (0-based) of `total_steps` may adopt.

    With t = step / (total_steps - 1): cosine gives min_lr + (lr - min_lr) * (1 + cos(pi * t)) / 2,
    linear gives lr - (lr - min_lr) * t, both rounded half up, so the budget is lr at the first
    step and min_lr at the last; constant is always lr. A single-step training gets lr.

    Raises ValueError for an unknown kind, total_steps < 1, step outside [0, total_steps),
    lr < 1, min_lr < 0 or min_lr > lr.
    """
    if kind not in SCHEDULES:
        raise ValueError(f"unknown schedule {kind!r}: choose one of {', '.join(SCHEDULES)}")
    if total_steps < 1:
        raise ValueError(f"total_steps is {total_steps}: a training has at least one step")
    if not 0 <= step < total_steps:
        raise ValueError(f"step {step} is outside the training's steps 0..{total_steps - 1}")
    if lr < 1:
        raise ValueError(f"lr is {lr}: a step must be allowed at least one edit")
    if not 0 <= min_lr <= lr:
        raise ValueError(f"min_lr is {min_lr}: it must be between 0 and lr ({lr})")
    if kind == "constant" or total_steps == 1:
        return lr
    t = step / (total_steps - 1)
    fraction = (1 + math.cos(math.pi * t)) / 2 if kind == "cosine" else 1 - t
    # The epsilon keeps exact halves (2.5) from rounding down after float error (2.4999...).
    return math.floor(min_lr + (lr - min_lr) * fraction + 0.5 + 1e-9)
