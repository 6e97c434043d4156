"""The live leaderboard: teams submit results and the board keeps each team's best."""

from __future__ import annotations

from collections.abc import Iterable

from leaderboard.ordering import standing_key
from leaderboard.ranking import Standing, rank
from leaderboard.results import Result, parse_result


class Leaderboard:
    def __init__(self) -> None:
        self._best: dict[str, Result] = {}

    def submit(self, result: Result) -> None:
        """Record `result`; only a team's best result (the first in listing order) counts."""
        best = self._best.get(result.player)
        if best is None or standing_key(result) < standing_key(best):
            self._best[result.player] = result

    def submit_lines(self, lines: Iterable[str]) -> None:
        """Submit a result per non-blank line (see `parse_result`)."""
        for line in lines:
            if line.strip():
                self.submit(parse_result(line))

    def standings(self) -> list[Standing]:
        return rank(self._best.values())

    def podium(self) -> list[Standing]:
        """Everyone ranked 1, 2 or 3; with ties there can be more than three teams."""
        return [standing for standing in self.standings() if standing.rank <= 3]
