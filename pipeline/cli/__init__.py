"""The ``samenspel`` command: one argparse parser, one module per sub-command.

Each module in ``COMMAND_MODULES`` exposes ``register(subparsers)`` and sets ``func`` on its
parser. Errors a user can fix (SamenspelError, bad settings) print one line and exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from pipeline.cli.args import LOG_LEVELS, log_level
from pipeline.errors import SamenspelError

COMMAND_MODULES: tuple[str, ...] = (
    "pipeline.cli.kafka_cmd",
    "pipeline.cli.topics_cmd",
    "pipeline.cli.worker_cmd",
    "pipeline.cli.schemas_cmd",
    "pipeline.cli.tag_cmd",
    "pipeline.cli.tagger_cmd",
    "pipeline.cli.deadletters_cmd",
    "pipeline.privacy.cli",
    "pipeline.cli.connect_cmd",
    "pipeline.cli.demo_cmd",
    "pipeline.cli.bench_cmd",
)


class _Parser(argparse.ArgumentParser):
    """argparse that prints one line (no usage block) and exits 2 on a bad argument."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"samenspel: error: {message} (see 'samenspel --help')\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="samenspel",
        description="samenspel: every channel of a municipality on one tagged, privacy-safe feed.",
    )
    parser.add_argument(
        "--log-level", default="INFO", type=log_level, help=f"{', '.join(LOG_LEVELS)} (INFO)"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SamenspelError as exc:  # raised by an argument's type, e.g. --offsets
        print(f"samenspel: error: {exc}", file=sys.stderr)
        return 2
    from pipeline.logs import configure_logging

    try:
        configure_logging(args.log_level)
        result = args.func(args)
    except SamenspelError as exc:
        print(f"samenspel: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if os.environ.get("SAMENSPEL_DEBUG"):
            raise
        print(
            f"samenspel: internal error: {type(exc).__name__}: {exc} "
            "(set SAMENSPEL_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 70
    return int(result or 0)
