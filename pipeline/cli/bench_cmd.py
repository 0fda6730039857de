"""``samenspel bench``: throughput, latency and the ratio to a bare Kafka loop, on the local Kafka.

Prints a table and, as the last line, one JSON object; writes benchmarks/results/<time>.json and
latest.json (see docs/performance.md for what the numbers mean).
"""

from __future__ import annotations

import argparse
from typing import Any

from pipeline.cli.args import int_range, positive_float


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "bench", help="measure throughput and latency on the local Kafka"
    )
    parser.add_argument(
        "--events", type=int_range(100), default=20_000, help="events per stage (20000, ≥ 100)"
    )
    parser.add_argument(
        "--rate",
        type=positive_float,
        default=1000.0,
        help="offered load of the latency stage, events/s",
    )
    parser.add_argument(
        "--duration", type=positive_float, default=10.0, help="seconds of the latency stage (10)"
    )
    parser.add_argument(
        "--skip-webhook", action="store_true", help="do not measure the webhook receiver"
    )
    parser.add_argument(
        "--no-save", action="store_true", help="do not write benchmarks/results/*.json"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from pipeline.bench.report import table
    from pipeline.bench.results import summary_line, write_results
    from pipeline.bench.runner import BenchOptions, run_bench
    from pipeline.settings import get_settings

    console = Console(stderr=True)
    options = BenchOptions(
        events=args.events, rate=args.rate, latency_s=args.duration, skip_webhook=args.skip_webhook
    )
    result = run_bench(get_settings(), options, progress=lambda m: console.print(f"[dim]… {m}"))
    Console().print(table(result))
    if not args.no_save:
        path = write_results(result)
        console.print(f"[dim]written {path} and latest.json")
    print(summary_line(result), flush=True)
    return 0
