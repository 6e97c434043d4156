"""Tasks: the `Task` model, loaders for task directories, JSONL files and suites, and the validator."""

from fixloop.tasks.loader import TaskLoadError, load_jsonl, load_suite, load_task_dir, load_tasks
from fixloop.tasks.task import Difficulty, Task
from fixloop.tasks.validator import ValidationReport, validate_task, validate_tasks, with_computed_lists

__all__ = [
    "Difficulty",
    "Task",
    "TaskLoadError",
    "ValidationReport",
    "load_jsonl",
    "load_suite",
    "load_task_dir",
    "load_tasks",
    "validate_task",
    "validate_tasks",
    "with_computed_lists",
]
