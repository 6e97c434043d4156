"""Sort keys for results."""

from __future__ import annotations

from leaderboard.results import Result


def score_key(result: Result) -> tuple[int, int]:
    """What a result is ranked on: more points first, then fewer attempts."""
    return (-result.points, result.attempts)


def standing_key(result: Result) -> tuple[int, int, int, str]:
    """The order results are listed in: by score, then earlier finish, then player name.

    The name is last so that the listing never depends on the order results arrived in.
    """
    return (*score_key(result), result.finished_at, result.player)
