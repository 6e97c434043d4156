"""From a CSV export to the printed summary."""

from __future__ import annotations

from collections.abc import Sequence

from salesreport.cleaner import clean_rows
from salesreport.grouping import group_amounts
from salesreport.metrics import METRICS
from salesreport.reader import read_rows
from salesreport.report import render_table

DEFAULT_METRICS = ("rows", "total", "mean", "max", "coverage")


def sales_report(text: str, by: str = "region", metrics: Sequence[str] = DEFAULT_METRICS) -> str:
    """The summary table of the export `text`: one line per group, one column per metric.

    The coverage column is printed as a percentage.
    """
    groups = group_amounts(clean_rows(read_rows(text)), by)
    table = []
    for name, amounts in groups.items():
        row: list[object] = [name]
        for metric in metrics:
            value = METRICS[metric](amounts)
            row.append(f"{value}%" if metric == "coverage" else value)
        table.append(row)
    return render_table([by, *metrics], table)
