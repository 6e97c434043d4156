"""The `fixloop` command: one typer app, each command group from its own module.

A new command is a new module here (`train.py`, `serve.py`, ...) holding its functions,
registered below with one line: `app.command("NAME")(module.function)` for a command, or
`app.add_typer(module.app, name="NAME")` for a group of subcommands. Shared options and the
`--json`-or-table ending are in `common.py`.
"""

from __future__ import annotations

import typer

from fixloop.cli import (
    analysis,
    critic,
    export,
    improve,
    memory,
    run,
    runs,
    serve,
    skills,
    task_envs,
    tasks,
    train,
    ui,
)

app = typer.Typer(help="Evaluate coding agents on executable debugging tasks.", no_args_is_help=True)

app.add_typer(tasks.app, name="tasks")
tasks.app.add_typer(task_envs.app, name="env")
app.add_typer(runs.app, name="runs")
app.add_typer(skills.app, name="skills")
app.add_typer(memory.app, name="memory")
app.add_typer(critic.app, name="critic")
app.command("run")(run.run)
app.command("export")(export.export)
app.command("diagnose")(analysis.diagnose)
app.command("compare")(analysis.compare)
app.command("report")(analysis.report)
app.command("retry")(improve.retry)
app.command("feedback-loop")(improve.feedback_loop)
app.command("train")(train.train)
app.command("serve")(serve.serve)
app.command("ui")(ui.ui)
