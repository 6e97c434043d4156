"""The text table shown on the hall screen."""

from __future__ import annotations

from collections.abc import Sequence

from leaderboard.ranking import Standing

HEADER = ("#", "Team", "Points", "Tries", "Finished")


def render_table(standings: Sequence[Standing]) -> str:
    """Aligned columns; a rank shared with the row above is shown as "=" plus the rank."""
    rows = [HEADER]
    previous_rank = None
    for standing in standings:
        r = standing.result
        label = f"={standing.rank}" if standing.rank == previous_rank else str(standing.rank)
        rows.append((label, r.player, str(r.points), str(r.attempts), r.clock))
        previous_rank = standing.rank
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    lines = []
    for row in rows:
        cells = [row[0].rjust(widths[0]), row[1].ljust(widths[1])]
        cells += [cell.rjust(width) for cell, width in zip(row[2:], widths[2:])]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"
