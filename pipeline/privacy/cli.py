"""``samenspel privacy``: make a pseudonym key, mask text from stdin, pseudonymise one identifier.

Lets an operator or privacy officer see what the feed would carry without running Kafka.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from pipeline.privacy.masking import mask_text
from pipeline.privacy.pseudonym import KINDS, Kind, Pseudonymiser, generate_dev_key


def _new_key(args: argparse.Namespace) -> int:
    print(generate_dev_key())
    return 0


def _mask(args: argparse.Namespace) -> int:
    for line in sys.stdin:
        result = mask_text(line.rstrip("\n"))
        if args.json:
            out = {"text": result.text, "found": dict(result.found), "postcode4": result.postcode4}
            print(json.dumps(out, ensure_ascii=False))
        else:
            print(result.text)
    return 0


def _pseudonym(args: argparse.Namespace) -> int:
    from pipeline.settings import get_settings

    kind: Kind | None = args.kind
    print(Pseudonymiser.from_settings(get_settings()).pseudonym(args.identifier, kind))
    return 0


def register(subparsers: Any) -> None:
    """Add ``privacy new-key | mask | pseudonym`` to the samenspel parser."""
    parser = subparsers.add_parser("privacy", help="pseudonym keys and identifier masking")
    commands = parser.add_subparsers(dest="privacy_command", metavar="ACTION")
    commands.required = True
    new_key = commands.add_parser("new-key", help="print a fresh random SAMENSPEL_PSEUDONYM_KEY")
    new_key.set_defaults(func=_new_key)
    mask = commands.add_parser("mask", help="mask identifiers in each line of stdin")
    mask.add_argument("--json", action="store_true", help="print counts and postcode4 as JSON")
    mask.set_defaults(func=_mask)
    pseudo = commands.add_parser("pseudonym", help="pseudonym of one identifier (needs the key)")
    pseudo.add_argument("identifier")
    pseudo.add_argument("--kind", choices=KINDS, default=None, help="default: detect")
    pseudo.set_defaults(func=_pseudonym)
