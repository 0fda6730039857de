"""``samenspel demo`` (the pipeline on simulated traffic, shown live) and ``samenspel tail``."""

from __future__ import annotations

import argparse

from pipeline.cli.args import positive_float, positive_int
from pipeline.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = subparsers.add_parser(
        "demo", help="run Kafka, worker and connectors on simulated traffic and show the feed"
    )
    demo.add_argument(
        "--rate",
        type=positive_float,
        default=5.0,
        help="base events per second (default 5; bursts more)",
    )
    demo.add_argument(
        "--duration",
        type=positive_float,
        help="stop after SECONDS of traffic (default: until Ctrl-C)",
    )
    demo.add_argument(
        "--no-kafka-start",
        action="store_true",
        help="never start the local Kafka; use KAFKA_BOOTSTRAP_SERVERS",
    )
    demo.add_argument(
        "--topic-prefix", help="topic prefix (default SAMENSPEL_TOPIC_PREFIX or 'samenspel')"
    )
    demo.add_argument("--seed", type=int, help="seed of the traffic model (default: the clock)")
    demo.set_defaults(func=_demo)

    tail = subparsers.add_parser("tail", help="show the messages of a topic")
    tail.add_argument("topic", help="short name (interactions, deadletter, raw.phone) or full name")
    tail.add_argument("--from-beginning", action="store_true", help="start at the oldest message")
    tail.add_argument("--max", type=positive_int, dest="max_messages", help="stop after N messages")
    tail.add_argument("--topic-prefix", help="topic prefix (default SAMENSPEL_TOPIC_PREFIX)")
    tail.set_defaults(func=_tail)


def _demo(args: argparse.Namespace) -> int:
    from pipeline.demo.orchestrator import DemoOptions, run_demo

    options = DemoOptions(
        rate=args.rate,
        duration=args.duration,
        start_kafka=not args.no_kafka_start,
        topic_prefix=args.topic_prefix,
        seed=args.seed,
    )
    return run_demo(options)


def _tail(args: argparse.Namespace) -> int:
    from pipeline.demo.tail import run_tail

    settings = get_settings()
    if args.topic_prefix:
        settings = settings.model_copy(update={"topic_prefix": args.topic_prefix})
    return run_tail(
        settings, args.topic, from_beginning=args.from_beginning, max_messages=args.max_messages
    )
