"""Summaries of store sales exports: read -> clean -> group -> measure -> report."""

from salesreport.cleaner import CleaningError, Sale, clean_amount, clean_rows
from salesreport.grouping import group_amounts
from salesreport.metrics import METRICS, coverage, largest, mean, total
from salesreport.pipeline import sales_report
from salesreport.reader import ReaderError, read_rows
from salesreport.report import render_table

__all__ = [
    "METRICS",
    "CleaningError",
    "ReaderError",
    "Sale",
    "clean_amount",
    "clean_rows",
    "coverage",
    "group_amounts",
    "largest",
    "mean",
    "read_rows",
    "render_table",
    "sales_report",
    "total",
]
