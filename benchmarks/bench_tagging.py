"""Throughput of ``Tagger.tag`` on one core over the dev texts: median interactions/s of 5 runs.

CPU time of this process is measured, so that other work on the machine does not skew it.

Usage: python benchmarks/bench_tagging.py [data/labelled/dev.jsonl] [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import time

from pipeline.tagging import Tagger
from pipeline.tagging.data import load_labelled


def main() -> None:
    """Tag every dev text ``repeat`` times per run, five runs, and print the median rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", nargs="?", default="data/labelled/dev.jsonl")
    parser.add_argument("--repeat", type=int, default=20, help="passes over the data per run")
    args = parser.parse_args()
    rows = load_labelled(args.data)
    items = [(r.text, r.channel.value, r.subject) for r in rows]
    tagger = Tagger.load()
    for text, channel, subject in items:  # warm the caches as a long-running worker would
        tagger.tag(text, channel=channel, subject=subject)
    rates = []
    for _ in range(5):
        start = time.process_time()
        for _ in range(args.repeat):
            for text, channel, subject in items:
                tagger.tag(text, channel=channel, subject=subject)
        elapsed = time.process_time() - start
        rates.append(len(items) * args.repeat / elapsed)
    median = statistics.median(rates)
    print(f"tagger {tagger.version}: {len(items)} texts x {args.repeat}, 5 runs")
    print(f"median {median:,.0f} interactions/s ({1e6 / median:.1f} µs each)")


if __name__ == "__main__":
    main()
