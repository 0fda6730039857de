"""The garbage collector's settings of a process that runs the chain for a long time.

Two settings, each measured on a busy worker (docs/performance.md):

* what start-up built (the tagger's model and rules, faust, ~130,000 objects) is frozen out of
  the collector's reach: every full collection traversed it, a 70-220 ms pause every few seconds;
* the youngest generation is collected after 50,000 new container objects instead of 700. The
  worker keeps a batch's events, outputs and futures alive for the batch's life (up to 500 events
  of a dozen objects each), so with 700 they were traversed again and again and promoted into
  the older generations, whose collections then cost more: 1.0 s of 5 s CPU went to the collector
  (20%), 0.1 s with 50,000. Cyclic garbage waits longer to be freed; the worker makes little.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

YOUNG_GENERATION_THRESHOLD = 50_000
"""New container objects between two collections of the youngest generation (CPython: 700)."""


def settle() -> None:
    """Collect, freeze what exists now, and collect the youngest generation less often."""
    gc.collect()
    gc.freeze()
    _, middle, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION_THRESHOLD, middle, oldest)


@contextmanager
def settled() -> Iterator[None]:
    """:func:`settle` for a measurement inside a longer process; the thresholds are restored and
    the frozen objects unfrozen after (all of them: this is for processes that freeze nothing else).
    """
    thresholds = gc.get_threshold()
    settle()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)
