"""Throughput of ``Tagger.tag`` on one core over the dev texts: median interactions/s of 5 runs.

CPU time of this process is measured, so that other work on the machine skews it less (a loaded
machine still slows it down through shared caches and clock speed). ``--chain`` also measures the
whole chain (``Chain.process_bytes``: parse with pydantic, normalise, mask, tag) and reports what
the steps before tagging cost.

Usage: python benchmarks/bench_tagging.py [data/labelled/dev.jsonl] [--repeat N] [--chain]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import orjson

from pipeline import heap
from pipeline.tagging import Tagger
from pipeline.tagging.data import read_jsonl


def median_rate(count: int, run: Callable[[], object], runs: int = 5) -> float:
    """Median items per CPU second of ``runs`` calls of ``run`` (each handles ``count`` items)."""
    rates = []
    for _ in range(runs):
        start = time.process_time()
        run()
        rates.append(count / (time.process_time() - start))
    return statistics.median(rates)


def report(label: str, rate: float) -> None:
    """One line: interactions per second and microseconds each."""
    print(f"{label}: median {rate:,.0f} interactions/s ({1e6 / rate:.1f} µs each)")


def main() -> None:
    """Tag every dev text ``repeat`` times per run, five runs, and print the median rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", default="data/labelled/dev.jsonl")
    parser.add_argument("--repeat", type=int, default=20, help="passes over the data per run")
    parser.add_argument("--chain", action="store_true", help="also time Chain.process_bytes")
    args = parser.parse_args()
    rows = read_jsonl(args.data)
    items = [(r["text"], r["channel"], r.get("subject")) for r in rows]
    tagger = Tagger.load()
    for text, channel, subject in items:  # warm the caches as a long-running worker would
        tagger.tag(text, channel=channel, subject=subject)
    heap.settle()  # the collector as in the worker after its start

    def tag_all() -> None:
        for _ in range(args.repeat):
            for text, channel, subject in items:
                tagger.tag(text, channel=channel, subject=subject)

    print(f"tagger {tagger.version}: {len(items)} texts x {args.repeat}, 5 runs")
    report("Tagger.tag", median_rate(len(items) * args.repeat, tag_all))
    if args.chain:
        from pipeline.chain import Chain
        from pipeline.privacy import Pseudonymiser, random_run_key

        chain = Chain(tagger, Pseudonymiser(random_run_key(), "bench"), max_event_bytes=1 << 20)
        events = []
        for n, r in enumerate(rows):
            event = {k: r[k] for k in ("channel", "source", "text", "subject")}
            event.update(id=f"bench-{n}", occurred_at="2026-01-01T00:00:00+00:00")
            events.append(orjson.dumps(event))

        def chain_all() -> None:
            for _ in range(args.repeat):
                for event in events:
                    chain.process_bytes(event)

        chain_all()
        report("Chain.process_bytes", median_rate(len(events) * args.repeat, chain_all))


if __name__ == "__main__":
    main()
