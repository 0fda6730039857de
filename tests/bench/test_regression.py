"""The regression gate: a short bench run against the committed benchmarks/results/latest.json."""

from __future__ import annotations

import pytest

from pipeline.bench.results import RESULTS_DIR, load_results
from pipeline.bench.runner import BenchOptions, run_bench
from pipeline.settings import Settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
ALLOWED_DROP = 0.25


def test_ratio_and_chain_rate_did_not_drop(kafka_bootstrap: str) -> None:
    """ratio and chain_events_per_s are each at least 75% of the committed latest.json."""
    committed = load_results(RESULTS_DIR / "latest.json")
    result = run_bench(
        Settings(kafka_bootstrap_servers=kafka_bootstrap),
        BenchOptions(events=3000, rate=500.0, latency_s=3.0, skip_webhook=True),
    )
    floor = 1 - ALLOWED_DROP
    assert result.ratio >= floor * committed.ratio, (
        f"ratio {result.ratio:.3f} < {floor:.0%} of committed {committed.ratio:.3f}"
    )
    assert result.chain_events_per_s >= floor * committed.chain_events_per_s, (
        f"chain {result.chain_events_per_s:.0f}/s < {floor:.0%} of committed "
        f"{committed.chain_events_per_s:.0f}/s"
    )
