"""``samenspel deadletters list|replay``: read the dead-letter topic, send fixed events back."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import get_args

from pipeline.deadletters import Selection, parse_offsets, read_dead_letters, replay
from pipeline.errors import SamenspelError
from pipeline.settings import get_settings
from schemas.deadletter import Stage


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("deadletters", help="list dead letters or replay them")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    listing = actions.add_parser("list", help="show dead letters, one line each (reasons masked)")
    _selection_options(listing)
    listing.set_defaults(func=_list)
    again = actions.add_parser("replay", help="send selected dead letters back to their raw topic")
    _selection_options(again)
    again.add_argument("--all", action="store_true", help="replay everything (no criterion given)")
    again.set_defaults(func=_replay)


def _selection_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--stage", choices=get_args(Stage), help="the stage that failed")
    parser.add_argument("--error-class", help="e.g. ValidationError, InvalidJson, TooLarge")
    parser.add_argument("--original-topic", help="full raw topic name")
    parser.add_argument("--since", type=_datetime, help="failed at or after (ISO 8601 with zone)")
    parser.add_argument("--offsets", type=_offsets, help="dead-letter offsets N or N-M")


def _datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time: {text!r}") from None
    if moment.tzinfo is None:
        raise argparse.ArgumentTypeError("give a time zone, e.g. 2026-11-30T09:00:00+01:00")
    return moment


def _offsets(text: str) -> tuple[int, int]:
    """``N`` or ``N-M`` with 0 <= N <= M; an empty or reversed range would silently match none."""
    problem = argparse.ArgumentTypeError(f"expects N or N-M with 0 <= N <= M, got {text!r}")
    try:
        low, high = parse_offsets(text)
    except SamenspelError:
        raise problem from None
    if low < 0 or high < low:
        raise problem
    return low, high


def _selection(args: argparse.Namespace) -> Selection:
    return Selection(args.stage, args.error_class, args.original_topic, args.since, args.offsets)


def _list(args: argparse.Namespace) -> int:
    selection = _selection(args)
    shown = 0
    for record in read_dead_letters(get_settings()):
        if selection.matches(record):
            print(record.summary())
            shown += 1
    print(f"{shown} dead letter(s)")
    return 0


def _replay(args: argparse.Namespace) -> int:
    selection = _selection(args)
    if selection == Selection() and not args.all:
        raise SamenspelError(
            "say which dead letters to replay (--stage, --offsets, ...) or pass --all"
        )
    settings = get_settings()
    chosen = [record for record in read_dead_letters(settings) if selection.matches(record)]
    print(replay(settings, chosen).line())
    return 0
