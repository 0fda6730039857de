"""``samenspel schemas export DIR``: write the JSON Schema of every message type."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.errors import SamenspelError
from schemas.export import export_json_schemas


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("schemas", help="export the published message schemas")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    export = actions.add_parser(
        "export", help="write one JSON Schema (draft 2020-12) per message type into DIR"
    )
    export.add_argument("directory", metavar="DIR", type=Path, help="target folder (created)")
    export.set_defaults(func=_export)


def _export(args: argparse.Namespace) -> int:
    directory: Path = args.directory
    if directory.exists() and not directory.is_dir():
        raise SamenspelError(f"{directory} is a file, not a folder: choose a folder to export into")
    try:
        paths = export_json_schemas(directory)
    except OSError as exc:
        raise SamenspelError(f"cannot write schemas into {directory}: {exc.strerror}") from None
    for path in paths:
        print(path)
    return 0
