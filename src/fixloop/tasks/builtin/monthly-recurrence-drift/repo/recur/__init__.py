"""Recurring reminders (rent, payroll, backups) on a date-only calendar."""

from recur.agenda import Agenda, Entry
from recur.months import add_months, days_in_month
from recur.rules import Rule, parse_rule

__all__ = ["Agenda", "Entry", "Rule", "add_months", "days_in_month", "parse_rule"]
