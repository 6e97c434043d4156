"""Turn raw page-view logs into per-user sessions and a daily summary."""

from clickstream.logparse import Event, LogError, parse_log
from clickstream.report import Summary, summarize
from clickstream.sessions import Session, sessionize

__all__ = ["Event", "LogError", "Session", "Summary", "parse_log", "sessionize", "summarize"]
