"""`fixloop skills`: the stored skill versions, their diffs, the trainings and their ledgers.

    fixloop skills list [--training T]     every stored version (or one training's)
    fixloop skills show ID                 the markdown and each rule's provenance
    fixloop skills diff A B                rule-by-rule changes, then the markdown diff
    fixloop skills export ID -o FILE       the markdown, to hand-edit or to `run --skill`
    fixloop skills trainings               every training, its status and result
    fixloop skills ledger TRAINING         every proposal, its verdict and cost (-o FILE: JSONL)

A skill is named by its version id (or a unique prefix of at least 4 characters), or by a
markdown file where a command reads one (`resolve_skill`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Group, RenderableType
from rich.markdown import Markdown
from rich.table import Table

from fixloop.cli.common import DbOption, JsonOption, emit, fail, open_store, out
from fixloop.improve.ledger import Ledger, LedgerEntry
from fixloop.improve.skills.edits import describe_edit
from fixloop.improve.skills.skill import Skill, SkillParseError
from fixloop.improve.skills.skill_diff import diff_skills, unified_diff
from fixloop.store import SkillVersionInfo, Store, StoreError

app = typer.Typer(help="Stored skills, trainings and their ledgers.", no_args_is_help=True)

SkillArgument = Annotated[
    str, typer.Argument(metavar="ID", help="A skill version id (or a 4+ character prefix).")
]


def resolve_skill(store: Store, ref: str) -> Skill:
    """The skill `ref` names: a markdown file when one exists at that path, else a stored version.

    Raises StoreError for an unknown version and SkillParseError (a ValueError) for a file that
    is not a skill document; both name what to fix.
    """
    path = Path(ref)
    if path.is_file():
        try:
            return Skill.parse(path.read_text(encoding="utf-8"))
        except SkillParseError as exc:
            raise SkillParseError(f"{path}: {exc}") from None
    return Skill.model_validate(store.skill_version(ref).content)


@app.command("list")
def list_skills(
    training: Annotated[str | None, typer.Option("--training", help="Only this training's versions.")] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every stored skill version, oldest first: id, parent, training, size and rules."""
    with open_store(db) as store:
        try:
            versions = store.skill_versions(training)
        except StoreError as exc:
            raise fail(str(exc)) from None
    rows = [_version_row(v) for v in versions]
    emit(rows, lambda: _versions_view(rows), as_json)


@app.command("show")
def show(ref: SkillArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """A skill's markdown, then every rule with its provenance (origin, step, evidence episodes)."""
    with open_store(db) as store:
        info = _version(store, ref)
    skill = Skill.model_validate(info.content)
    emit(info, lambda: _skill_view(info, skill), as_json)


@app.command("diff")
def diff(a: SkillArgument, b: SkillArgument, db: DbOption = None, as_json: JsonOption = False) -> None:
    """What changed from skill A to skill B, rule by rule (by id), then as a markdown diff."""
    with open_store(db) as store:
        first, second = (_skill(store, ref) for ref in (a, b))
    changes = diff_skills(first, second)
    text = unified_diff(first, second, a, b)
    emit(
        {
            "a": first.version_id,
            "b": second.version_id,
            "changes": [c.model_dump() for c in changes],
            "diff": text,
        },
        lambda: _diff_view(changes, text),
        as_json,
    )


@app.command("export")
def export(
    ref: SkillArgument,
    output: Annotated[Path, typer.Option("--out", "-o", help="The markdown file to write.")],
    db: DbOption = None,
) -> None:
    """Write a stored skill as markdown: edit it by hand, or give it to `run --skill` / `train --skill`."""
    with open_store(db) as store:
        skill = _skill(store, ref)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(skill.markdown(), encoding="utf-8")
    out.print(f"wrote {output} ({skill.tokens} tokens)")


@app.command("trainings")
def trainings(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Every training: status, model, final skill and its held-out test result."""
    with open_store(db) as store:
        infos = store.list_trainings()
    rows = []
    for info in infos:
        result = info.result or {}
        test = result.get("test") or {}
        rows.append(
            {
                "training": info.name, "status": info.status, "simulated": info.simulated,
                "model": info.config.get("rollout", {}).get("model"),
                "created_at": info.created_at.isoformat(),
                "final_skill": result.get("final_skill"), "stop_reason": result.get("stop_reason"),
                "test_baseline": test.get("baseline_rate"), "test_final": test.get("final_rate"),
                "test_p": test.get("p_value"),
            }
        )  # fmt: skip
    emit(rows, lambda: _trainings_view(rows), as_json)


@app.command("ledger")
def ledger(
    training: Annotated[str, typer.Argument(metavar="TRAINING", help="The training's name.")],
    output: Annotated[
        Path | None, typer.Option("--out", "-o", help="Also write the ledger here (JSONL).")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every proposal of a training in order: what was proposed, the edits tried, the gate's
    verdict and why, and what proposing and evaluating it cost."""
    with open_store(db) as store:
        try:
            book = Ledger(store, training)
            entries = book.entries()
            simulated = store.get_training(training).simulated
        except StoreError as exc:
            raise fail(str(exc)) from None
    if output is not None:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text("".join(e.model_dump_json() + "\n" for e in entries), encoding="utf-8")
    emit(entries, lambda: _ledger_view(training, entries, simulated), as_json)


def _version(store: Store, ref: str) -> SkillVersionInfo:
    try:
        return store.skill_version(ref)
    except StoreError as exc:
        raise fail(str(exc)) from None


def _skill(store: Store, ref: str) -> Skill:
    try:
        return resolve_skill(store, ref)
    except (StoreError, SkillParseError) as exc:
        raise fail(str(exc)) from None


def _version_row(info: SkillVersionInfo) -> dict[str, object]:
    skill = Skill.model_validate(info.content)
    return {
        "id": info.id, "parent": info.parent, "training": info.training, "tokens": info.tokens,
        "rules": len(skill.rules()), "created_at": info.created_at.isoformat(),
    }  # fmt: skip


def _versions_view(rows: list[dict[str, object]]) -> RenderableType:
    table = Table(title=f"{len(rows)} skill versions")
    for column in ("id", "parent", "training", "rules", "tokens", "created_at"):
        table.add_column(column, justify="right" if column in ("rules", "tokens") else "left")
    for row in rows:
        table.add_row(
            *(
                str(row[c] if row[c] is not None else "-")
                for c in ("id", "parent", "training", "rules", "tokens", "created_at")
            )
        )
    return table


def _skill_view(info: SkillVersionInfo, skill: Skill) -> RenderableType:
    table = Table(title=f"provenance of {info.id}")
    for column in ("rule", "section", "origin", "step", "evidence episodes"):
        table.add_column(column)
    for section, rule in skill.rules():
        source = rule.provenance
        episodes = ", ".join(f"{e.task_id}#{e.episode_index}" for e in source.episodes[:4])
        if len(source.episodes) > 4:
            episodes += f" (+{len(source.episodes) - 4})"
        table.add_row(
            rule.id, section, source.origin, "-" if source.step is None else str(source.step), episodes or "-"
        )
    origin = f"parent {info.parent or '-'}, training {info.training or '-'}"
    header = f"skill {info.id} ({info.tokens} tokens, {origin})"
    return Group(header, Markdown(info.markdown or "_(empty skill)_"), table)


def _diff_view(changes: list, text: str) -> RenderableType:  # type: ignore[type-arg]
    table = Table(title=f"{len(changes)} rule changes")
    for column in ("change", "rule", "section", "before", "after"):
        table.add_column(column)
    for change in changes:
        table.add_row(change.kind, change.rule_id, change.section, change.before or "-", change.after or "-")
    return Group(table, text or "(identical)")


def _trainings_view(rows: list[dict[str, object]]) -> RenderableType:
    table = Table(title=f"{len(rows)} trainings")
    for column in ("training", "status", "model", "final skill", "test: start → final", "p"):
        table.add_column(column)
    for row in rows:
        model = f"{row['model']} [magenta](simulated)[/]" if row["simulated"] else str(row["model"])
        test = (
            f"{row['test_baseline']:.2f} → {row['test_final']:.2f}"
            if isinstance(row["test_baseline"], float) and isinstance(row["test_final"], float)
            else "-"
        )
        p_value = f"{row['test_p']:.3g}" if isinstance(row["test_p"], float) else "-"
        table.add_row(
            str(row["training"]), str(row["status"]), model, str(row["final_skill"] or "-"), test, p_value
        )
    return table


def _ledger_view(training: str, entries: list[LedgerEntry], simulated: bool) -> RenderableType:
    label = " [magenta](simulated: not a model's performance)[/]" if simulated else ""
    table = Table(title=f"ledger of {training}{label}: {len(entries)} proposals")
    for column in ("#", "kind", "epoch", "step", "edits tried", "selection", "adopted", "reason", "cost"):
        table.add_column(column)
    for entry in entries:
        verdict = entry.verdict
        edits = "\n".join(describe_edit(e) for e in entry.edits) or "\n".join(entry.guidance) or "-"
        selection = f"{verdict.incumbent_rate:.2f} → {verdict.candidate_rate:.2f}" if verdict else "-"
        table.add_row(
            str(entry.seq), entry.kind, str(entry.epoch), "-" if entry.step is None else str(entry.step),
            edits, selection, "[green]yes[/]" if entry.adopted else "no", entry.reason,
            f"${entry.proposing_cost_usd + entry.evaluation_cost_usd:.4f}",
        )  # fmt: skip
    return table
