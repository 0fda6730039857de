"""The chain alone (parse, normalise, protect, tag) in this process: what one core can do at most.

The events go through ``Chain.process_many`` in batches of the worker's largest batch, as the
worker runs them while it drains a backlog. CPU time of this process is measured, not wall time,
so that other work on a shared machine does not make the chain look slower than it is; the median
of several runs is reported.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Sequence

from pipeline import heap
from pipeline.chain import Chain, serialise
from pipeline.worker.dispatch import BATCH_MAX


def chain_rate(
    chain: Chain, values: Sequence[bytes], *, runs: int = 5, batch: int = BATCH_MAX
) -> float:
    """Median events per CPU-second of ``Chain.process_many`` plus serialising, over ``runs``."""
    if not values:
        raise ValueError("chain_rate needs at least one event")
    batches = in_batches(values, batch)
    # The collector set as in the worker after its start; then one pass warms the caches.
    with heap.settled():
        run_batches(chain, batches)
        rates = []
        for _ in range(runs):
            start = time.process_time()
            run_batches(chain, batches)
            rates.append(len(values) / max(time.process_time() - start, 1e-9))
    return statistics.median(rates)


def in_batches(values: Sequence[bytes], size: int = BATCH_MAX) -> list[Sequence[bytes]]:
    """``values`` cut into batches of ``size`` (the last one shorter)."""
    return [values[start : start + size] for start in range(0, len(values), size)]


def run_batches(chain: Chain, batches: Sequence[Sequence[bytes]]) -> None:
    """Each batch through ``Chain.process_many`` and every interaction serialised, as the
    worker does; a failed event raises (bench events are valid)."""
    for values in batches:
        for result in chain.process_many(values):
            if isinstance(result, Exception):
                raise result  # bench events are all valid: a failure is a bug, not a figure
            serialise(result)
