"""``samenspel tag``: tag JSON lines offline through the same chain the worker runs.

Input lines are generic raw events; ``id``, ``source`` and ``occurred_at`` may be left out here
(they
get a content hash, ``stdin`` and the current time), ``channel`` and ``text`` may not.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

import orjson

from pipeline.chain import Chain, serialise
from pipeline.errors import SamenspelError
from pipeline.normalise import StageError
from pipeline.settings import get_settings

BOM = b"\xef\xbb\xbf"
"""What Windows editors put before the first line of a UTF-8 file; not part of the JSON."""


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser(
        "tag", help="tag JSON lines from stdin (or evaluate a labelled file)"
    )
    parser.add_argument(
        "--evaluate", metavar="FILE", type=Path, help="print accuracy, macro-F1, confusion"
    )
    parser.set_defaults(func=_run)


def complete_event(line: bytes, line_number: int) -> bytes:
    """Fill in what an offline input may omit; anything else is left for the chain to judge.

    A line that is not strict JSON (NaN, Infinity, a 400-digit number) is reported as such here:
    the chain's lenient parser would accept it and then complain about the fields left out.
    """
    try:
        data: Any = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        if not _is_utf8(line):
            return line  # the chain names the first byte that is not UTF-8
        raise StageError("parse", f"not valid JSON: {exc}", "InvalidJson") from None
    if isinstance(data, dict):
        data.setdefault("id", hashlib.sha256(line).hexdigest()[:16])
        data.setdefault("source", "stdin")
        data.setdefault("occurred_at", datetime.now(UTC).isoformat())
        return orjson.dumps(data)
    return line


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def tag_stream(chain: Chain, lines: TextIO | Any, out: TextIO, err: TextIO) -> int:
    """Tag each line; errors go to ``err`` with their line number. Returns how many lines failed."""
    failed = 0
    for number, raw_line in enumerate(lines, start=1):
        line = raw_line.strip() if isinstance(raw_line, bytes) else raw_line.strip().encode()
        line = line.removeprefix(BOM)
        if not line:
            continue
        try:
            interaction = chain.process_bytes(complete_event(line, number))
        except StageError as error:
            failed += 1
            err.write(f"samenspel tag: line {number}: {error.stage}: {error.message}\n")
            continue
        out.write(serialise(interaction).decode() + "\n")
    return failed


def _chain_for_offline_use() -> Chain:
    """The worker's chain; with a random pseudonym key for this run unless one is configured."""
    from pipeline.assembly import build_chain
    from pipeline.privacy import Pseudonymiser, random_run_key

    settings = get_settings()
    if settings.pseudonym_key:
        return build_chain(settings)
    print(
        "samenspel tag: no SAMENSPEL_PSEUDONYM_KEY configured; party pseudonyms use a random key "
        "for this run only",
        file=sys.stderr,
    )
    return build_chain(settings, Pseudonymiser(random_run_key(), settings.pseudonym_key_id))


def _run(args: argparse.Namespace) -> int:
    chain = _chain_for_offline_use()
    if args.evaluate is not None:
        return _evaluate(chain, args.evaluate)
    failed = tag_stream(chain, sys.stdin.buffer, sys.stdout, sys.stderr)
    return 1 if failed else 0


def _evaluate(chain: Chain, path: Path) -> int:
    from pipeline.tagging import evaluate_file

    if not path.is_file():
        raise SamenspelError(f"labelled file {path} does not exist")

    def tag_one(event: dict[str, Any]) -> Any:
        return chain.process_bytes(complete_event(orjson.dumps(event), 0)).tags

    report = evaluate_file(path, tag_one)
    print(report.render())
    return 1 if report.failed else 0
