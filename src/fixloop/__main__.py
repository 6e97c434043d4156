"""`python -m fixloop` runs the `fixloop` command."""

from fixloop.cli import app

app(prog_name="fixloop")
