"""Numeric helpers shared by the bench stages: percentiles and rates over record timestamps."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (``pct`` in 0..100) of a non-empty sequence."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 <= pct <= 100:
        raise ValueError(f"percentile must be in 0..100, got {pct}")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def rate_from_timestamps(timestamps_ms: Sequence[int]) -> float:
    """Records per second between the first and the last timestamp (ms), counting intervals.

    ``n`` records spread over ``t`` seconds are ``n - 1`` intervals, so ``(n - 1) / t``; a burst
    inside one millisecond is reported at 1 ms so that the rate stays finite.
    """
    if len(timestamps_ms) < 2:
        raise ValueError("a rate needs at least two timestamps")
    span_s = max(1, max(timestamps_ms) - min(timestamps_ms)) / 1000
    return (len(timestamps_ms) - 1) / span_s
