"""`fixloop export RUN... --format jsonl|sft|preference`: stored runs as files others train on.

- `jsonl`: the trajectories as they are stored, one per line (every episode, simulated ones
  carrying their flag), as `fixloop export` always wrote them;
- `sft`: resolved episodes as chat transcripts in OpenAI's fine-tuning format
  (`fixloop.export.sft`); `--tools` writes the actions as tool calls, with the tools;
- `preference`: prompt / chosen / rejected pairs in TRL's conversational DPO format
  (`fixloop.export.preference`): same-state pairs of episodes and the critic's contrast pairs.

`sft` and `preference` leave simulated episodes out unless `--include-simulated`, and mark
each row's `simulated`. They rebuild observations by replaying the recorded actions in the
sandbox (`fixloop.export.transcript`). Every row is redacted again on the way out
(`fixloop.store.redaction`): replayed observations come from the task files, not the store.
With `--out FILE` a dataset card, README.md, is written beside the file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from fixloop.cli.common import DbOption, RunsArgument, SandboxOption, err, fail, open_sandbox, open_store
from fixloop.cli.run import prepared_tasks
from fixloop.export.dataset_card import CARD_NAME, DatasetCard, RunSummary
from fixloop.export.episodes import ExportCounts, StoredEpisode, Tally, exportable, load_episodes
from fixloop.export.preference import PreferenceRow, preference_rows
from fixloop.export.sft import SFTRow, sft_rows
from fixloop.export.task_licences import licence_notes
from fixloop.export.transcript import TranscriptBuilder
from fixloop.rollout.run_session import select_tasks, settings_of
from fixloop.store import RunInfo, Store, StoreError
from fixloop.store.redaction import redact
from fixloop.tasks.loader import TaskLoadError
from fixloop.tasks.task import Task

FORMATS = {
    "jsonl": "one stored trajectory per line, as recorded (see `fixloop export --help`).",
    "sft": "one resolved episode per line as a chat transcript in OpenAI's fine-tuning format "
    '(`{"messages": [...]}`, with `tools` in the tool-calling form), plus `simulated` and `metadata`.',
    "preference": "one preference pair per line in TRL's conversational DPO format (`prompt` a list of "
    "messages, `chosen` and `rejected` one assistant message each), with its `source` (same_state or "
    "critic_contrast), `simulated` and `metadata`.",
}
"""Each format and what one of its rows is (the dataset card quotes it)."""


def export(
    runs: RunsArgument,
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl (trajectories), sft (transcripts) or preference (pairs).")
    ] = "jsonl",
    tools: Annotated[
        bool, typer.Option("--tools", help="sft: the actions as tool calls, with the tools offered.")
    ] = False,
    include_simulated: Annotated[
        bool,
        typer.Option(
            "--include-simulated", help="sft, preference: keep simulated episodes (rows marked simulated)."
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="The file to write, with a dataset card README.md beside it (default: standard output).",
        ),
    ] = None,
    sandbox: SandboxOption = "auto",
    db: DbOption = None,
) -> None:
    """Export runs' episodes as training data, in the order recorded, run after run.

    jsonl: one trajectory per line. The fields of each line:
    - task_id, agent, model (PROVIDER:NAME), context_version, reward_scheme, sandbox
    - task_facts: difficulty, tags, fix_paths, relevant_files, fix_lines,
      step_target, mutation_operator (the fix's location and size, never its content)
    - outcome: resolved, partial, unresolved, tampered, infra_error, or why the agent stopped
    - score (0 to 1), total_reward, seconds, error, tokens, cost (USD)
    - simulated: true when a simulated model produced it, not a real one
    - grade: outcome, score, pass_fraction, fail_to_pass_passed,
      fail_to_pass_failed, pass_to_pass_broken, timed_out, error
    - steps: index, action (as parsed, or null), raw_action (the output that did
      not parse), reward, error, done, seconds, tokens, cost, and summary: path,
      chars_read, diff, lines_changed, tests (passed, total, failing, timed_out),
      test_output, pass_fraction, dangerous, syntax_error

    sft: each resolved episode as {"messages": [system, user, assistant, ...]} (OpenAI's
    fine-tuning format; --tools: assistant tool_calls, tool messages and "tools"), the
    observations replayed in the sandbox. preference: {"prompt", "chosen", "rejected",
    "source"} rows (TRL's conversational DPO format) from episodes of one task that share
    their first steps and then part, one resolved and one not, and from the critic's contrast
    pairs of runs whose ground truth is stored (fixloop critic eval). Both: "simulated" and
    "metadata" (the episodes) on every row; infra_error and budget_exhausted episodes left out.
    """
    if fmt not in FORMATS:
        raise fail(f"unknown export format {fmt!r}; choose {', '.join(FORMATS)}")
    if tools and fmt != "sft":
        raise fail("--tools is for --format sft")
    if include_simulated and fmt == "jsonl":
        raise fail("--include-simulated is for sft and preference; jsonl holds every episode")
    with open_store(db) as store:
        try:
            episodes = load_episodes(store, runs)
            infos = list({info.name: info for info in map(store.get_run, runs)}.values())
            if fmt == "jsonl":
                lines, counts, filters = _jsonl(episodes)
                kept = episodes
            else:
                tasks = _run_tasks(infos, sandbox)
                lines, counts, filters, kept = _training_rows(
                    store, fmt, episodes, tasks, sandbox, tools=tools, include_simulated=include_simulated
                )
        except (StoreError, TaskLoadError, ValueError) as exc:
            raise fail(str(exc)) from None
    text = "".join(line + "\n" for line in lines)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    card = DatasetCard(
        data_file=output.name,
        format=fmt + (" (tool calls)" if tools else ""),
        description=FORMATS[fmt],
        runs=[RunSummary.of(info) for info in infos],
        counts=counts,
        filters=filters,
        licence_notes=licence_notes(kept),
        simulated_rows=any(e.simulated for e in kept) and (fmt == "jsonl" or include_simulated),
    )
    (output.parent / CARD_NAME).write_text(card.markdown(), encoding="utf-8")
    err.print(
        f"wrote {len(lines)} {fmt} rows from {counts.kept} of {counts.considered} episodes to {output}, "
        f"and its dataset card {output.parent / CARD_NAME}"
    )


def _jsonl(episodes: list[StoredEpisode]) -> tuple[list[str], ExportCounts, list[str]]:
    """The trajectories as stored, one per line: every episode kept."""
    counts = ExportCounts(
        considered=len(episodes), kept=len(episodes), rows={"trajectory": len(episodes)} if episodes else {}
    )
    filters = ["none: every recorded episode, simulated ones and infra errors included (see `simulated`, "
               "`outcome`)"]  # fmt: skip
    return [e.trajectory.model_dump_json() for e in episodes], counts, filters


def _training_rows(
    store: Store,
    fmt: str,
    episodes: list[StoredEpisode],
    tasks: dict[str, dict[str, Task]],
    sandbox: str,
    *,
    tools: bool,
    include_simulated: bool,
) -> tuple[list[str], ExportCounts, list[str], list[StoredEpisode]]:
    """The sft or preference rows as redacted JSON lines, the counts, the filters applied, and
    the episodes kept."""
    tally = Tally()
    usable = exportable(episodes, tally, include_simulated=include_simulated)
    box = open_sandbox(sandbox)
    try:
        builder = TranscriptBuilder(store, box, tasks)
        rows: list[SFTRow] | list[PreferenceRow] = (
            sft_rows(usable, builder, tally, tools=tools)
            if fmt == "sft"
            else preference_rows(store, usable, builder, tasks, tally)
        )
    finally:
        box.close()
    lines = [json.dumps(redact(row.dump(), by_name=False), ensure_ascii=False) for row in rows]
    filters = [
        "simulated episodes: " + ("kept, each row marked `\"simulated\": true`" if include_simulated
                                  else "left out (--include-simulated keeps them)"),
        "episodes the agent's scores exclude (infra_error, budget_exhausted): left out",
        *(["episodes not resolved: left out (SFT imitates fixes only)"] if fmt == "sft" else []),
        "secret-looking strings (API keys, bearer tokens, URL passwords): redacted",
    ]  # fmt: skip
    kept = [e for e in usable if e.key in tally.kept]
    return lines, tally.counts(), filters, kept


def _run_tasks(infos: list[RunInfo], sandbox: str) -> dict[str, dict[str, Task]]:
    """Each run's tasks by id, as its settings select them."""
    return {
        info.name: {t.id: t for t in prepared_tasks(select_tasks(settings_of(info)), sandbox)}
        for info in infos
    }
