"""fixloop: evaluate LLM coding agents on executable debugging tasks."""

__version__ = "0.1.0"
