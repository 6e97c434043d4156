"""The dataset card: the README.md an export writes beside its file.

It says what the file holds and where it came from, so the file can be shared on its own:
the format, the runs, how many episodes were considered, kept and skipped (and why), the
filters applied, and what is known about the tasks' licences (`task_licences`). The YAML
header names the file as the dataset's data, so `datasets.load_dataset(DIRECTORY)` finds it.
The card has no timestamp: the same export writes the same card.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from fixloop.export.episodes import ExportCounts
from fixloop.store import RunInfo

CARD_NAME = "README.md"
"""The card's file name, in the export's directory."""


class RunSummary(BaseModel):
    """One source run, as the card lists it."""

    name: str
    agent: str
    model: str
    simulated: bool
    episodes: int = Field(description="Episodes recorded in the run.")

    @classmethod
    def of(cls, run: RunInfo) -> RunSummary:
        """The summary of `run`."""
        return cls(
            name=run.name, agent=run.agent, model=run.model, simulated=run.simulated, episodes=run.finished
        )


class DatasetCard(BaseModel):
    """Everything the card shows."""

    data_file: str = Field(description="The export's file name, beside the card.")
    format: str
    description: str = Field(description="What a row is, in a sentence or two.")
    runs: list[RunSummary]
    counts: ExportCounts
    filters: list[str] = Field(description="What was left out or marked, one line each.")
    licence_notes: list[str]
    simulated_rows: bool = Field(description="Some rows come from simulated episodes.")

    def markdown(self) -> str:
        """The card as markdown with a YAML header."""
        tags = ["fixloop", *(["simulated"] if self.simulated_rows else [])]
        lines = [
            "---",
            "configs:",
            "- config_name: default",
            f"  data_files: {self.data_file}",
            "tags:",
            *(f"- {tag}" for tag in tags),
            "---",
            "",
            f"# fixloop export: {self.format}",
            "",
            f"`{self.data_file}`: {self.description}",
        ]
        if self.simulated_rows:
            lines += ["", "**Some rows come from simulated episodes** (`\"simulated\": true`): they show "
                      "no real model's behaviour."]  # fmt: skip
        lines += [
            "",
            "## Source runs",
            "",
            "| run | agent | model | simulated | episodes |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {r.name} | {r.agent} | {r.model} | {'yes' if r.simulated else 'no'} | {r.episodes} |"
            for r in self.runs
        ]
        lines += ["", "## Counts", "", f"- episodes considered: {self.counts.considered}",
                  f"- episodes kept (at least one row): {self.counts.kept}",
                  f"- episodes skipped: {sum(self.counts.skipped.values())}"]  # fmt: skip
        lines += [f"  - {reason}: {n}" for reason, n in self.counts.skipped.items()]
        lines += [f"- rows written: {sum(self.counts.rows.values())}"]
        lines += [f"  - {source}: {n}" for source, n in self.counts.rows.items()]
        lines += ["", "## Filters", "", *(f"- {line}" for line in self.filters)]
        lines += ["", "## Licences", "", *(f"- {note}" for note in self.licence_notes)]
        lines += [
            "- The agents' turns are what the agent wrote (a model's replies, or a scripted agent's "
            "actions); where a model wrote them, its provider's terms may govern training on them. "
            "Critic contrast judgements are written by fixloop's templates.",
            "",
        ]
        return "\n".join(lines)
