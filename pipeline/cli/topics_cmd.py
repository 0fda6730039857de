"""``samenspel topics apply|list``: create the declared topics, report drift."""

from __future__ import annotations

import argparse
from pathlib import Path

from pipeline.kafka_client import security_kwargs
from pipeline.settings import get_settings
from pipeline.topics import TOPICS_FILE, apply_topics, load_topic_specs


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("topics", help="create and check the declared topics")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    apply = actions.add_parser("apply", help="create missing topics and report drift")
    apply.add_argument(
        "--file", type=Path, default=TOPICS_FILE, help="topics file (deploy/topics.yaml)"
    )
    apply.set_defaults(func=_apply)
    show = actions.add_parser("list", help="print the declared topics")
    show.add_argument("--file", type=Path, default=TOPICS_FILE)
    show.set_defaults(func=_list)


def _apply(args: argparse.Namespace) -> int:
    settings = get_settings()
    specs = load_topic_specs(settings.topic_prefix, args.file)
    report = apply_topics(specs, settings.bootstrap_list(), **security_kwargs(settings))
    for line in report.lines():
        print(line)
    return 1 if report.drift else 0


def _list(args: argparse.Namespace) -> int:
    for spec in load_topic_specs(get_settings().topic_prefix, args.file):
        print(f"{spec.name}  partitions={spec.partitions} replication={spec.replication_factor}")
    return 0
