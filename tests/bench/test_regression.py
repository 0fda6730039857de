"""The regression gate: a short bench run against the committed benchmarks/results/latest.json."""

from __future__ import annotations

import pytest

from pipeline.bench.results import RESULTS_DIR, load_results
from pipeline.bench.runner import BenchOptions, run_bench
from pipeline.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
ALLOWED_DROP = 0.25
ATTEMPTS = 3


def test_ratio_and_chain_rate_did_not_drop(kafka_bootstrap: str) -> None:
    """ratio and chain_events_per_s are each at least 75% of the committed latest.json.

    One short run on a shared 2-core machine swings by ±30%, and the host sometimes slows this
    VM's CPU for seconds at a time (the same chain measured 21,700 and then 12,300/s a second
    later, docs/performance.md). A slower build lowers every run, noise only some: a failing run
    gets another, up to three, and the gate fails when the best of them dropped.
    """
    committed = load_results(RESULTS_DIR / "latest.json")
    floor = 1 - ALLOWED_DROP
    best_ratio = best_chain = 0.0
    for _ in range(ATTEMPTS):
        result = run_bench(
            Settings(kafka_bootstrap_servers=kafka_bootstrap),
            BenchOptions(
                events=committed.events,  # like with like: the ratio depends on the run's length
                rate=committed.latency_rate,
                latency_s=3.0,
                skip_webhook=True,
            ),
        )
        best_ratio = max(best_ratio, result.ratio)
        best_chain = max(best_chain, result.chain_events_per_s)
        if (
            best_ratio >= floor * committed.ratio
            and best_chain >= floor * committed.chain_events_per_s
        ):
            break
    assert best_ratio >= floor * committed.ratio, (
        f"ratio {best_ratio:.3f} < {floor:.0%} of committed {committed.ratio:.3f}"
    )
    assert best_chain >= floor * committed.chain_events_per_s, (
        f"chain {best_chain:.0f}/s < {floor:.0%} of committed {committed.chain_events_per_s:.0f}/s"
    )
