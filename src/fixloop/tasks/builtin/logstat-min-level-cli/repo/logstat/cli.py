"""Command line: `logstat count FILE` and `logstat top FILE`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from logstat.aggregate import count_by, filter_records, top_messages
from logstat.levels import normalize
from logstat.parse import parse_lines
from logstat.render import table


def _level(text: str) -> str:
    try:
        return normalize(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="logstat", description="Counts over log files.")
    commands = parser.add_subparsers(dest="command", required=True)

    count = commands.add_parser("count", help="count records per level or per source")
    count.add_argument("--by", choices=("level", "source"), default="level")

    top = commands.add_parser("top", help="the most frequent messages")
    top.add_argument("--limit", type=int, default=5)

    for sub in (count, top):
        sub.add_argument("--min-level", type=_level, default=None, metavar="LEVEL")
        sub.add_argument("file")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run logstat; return the exit status (2 for a file that cannot be read)."""
    args = build_parser().parse_args(argv)
    try:
        with open(args.file, encoding="utf-8") as handle:
            records, skipped = parse_lines(handle)
    except OSError as exc:
        print(f"logstat: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    records = filter_records(records, args.min_level)
    if args.command == "count":
        rows = count_by(records, args.by)
    else:
        rows = top_messages(records, args.limit)
    sys.stdout.write(table(rows))
    if skipped:
        print(f"logstat: skipped {skipped} unparsable line(s)", file=sys.stderr)
    return 0
