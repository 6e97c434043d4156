"""The puzzle-hunt leaderboard."""

from leaderboard.board import Leaderboard
from leaderboard.ranking import Standing, rank
from leaderboard.results import Result, parse_result
from leaderboard.table import render_table

__all__ = ["Leaderboard", "Result", "Standing", "parse_result", "rank", "render_table"]
