"""The chain alone (parse, normalise, protect, tag) in this process: what one core can do at most.

CPU time of this process is measured, not wall time, so that other work on a shared machine does
not make the chain look slower than it is; the median of several runs is reported.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Sequence

from pipeline.chain import Chain, serialise


def chain_rate(chain: Chain, values: Sequence[bytes], *, runs: int = 5) -> float:
    """Median events per CPU-second of ``Chain.process_bytes`` plus serialising, over ``runs``."""
    if not values:
        raise ValueError("chain_rate needs at least one event")
    # As the worker after its start: what is loaded by then (the tagger's model and rules) is
    # frozen out of the garbage collector's full passes; then one pass warms the caches.
    gc.collect()
    gc.freeze()
    try:
        for value in values:
            serialise(chain.process_bytes(value))
        rates = []
        for _ in range(runs):
            start = time.process_time()
            for value in values:
                serialise(chain.process_bytes(value))
            rates.append(len(values) / max(time.process_time() - start, 1e-9))
    finally:
        gc.unfreeze()
    return statistics.median(rates)
