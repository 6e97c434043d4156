"""Turn results into numbered standings."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from leaderboard.ordering import standing_key
from leaderboard.results import Result


@dataclass(frozen=True)
class Standing:
    rank: int
    result: Result


def rank(results: Iterable[Result]) -> list[Standing]:
    """Standings for `results`, listed in `standing_key` order.

    Ranks follow standard competition ranking ("1224"): results with equal points and equal
    attempts are tied and share a rank, and the next result's rank is its position in the
    listing, so ties leave gaps. The finish time only decides who is listed first within
    a tie; it never breaks the tie.
    """
    standings: list[Standing] = []
    for position, result in enumerate(sorted(results, key=standing_key), start=1):
        previous = standings[-1] if standings else None
        if previous and standing_key(previous.result)[:-1] == standing_key(result)[:-1]:
            standings.append(Standing(previous.rank, result))
        else:
            standings.append(Standing(position, result))
    return standings
