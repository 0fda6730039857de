"""Pure parts of the bench: input events, percentiles, rates and the fault tests' verifier."""

from __future__ import annotations

import orjson
import pytest

from pipeline.bench.events import make_events
from pipeline.bench.measure import percentile, rate_from_timestamps
from pipeline.bench.results import BenchResult, summary_line
from pipeline.bench.verify import FeedRecord, verify_feed
from pipeline.errors import SamenspelError
from pipeline.settings import RAW_CHANNELS
from schemas import RawEvent


def test_events_are_valid_unique_and_spread_over_channels() -> None:
    """Events parse as RawEvents with unique ids over all five channels; some carry a party."""
    events = make_events(200, run="u", per_key=4)
    raws = [RawEvent.model_validate_json(e.value) for e in events]
    assert len({e.interaction_id for e in events}) == 200
    assert {r.channel.value for r in raws} == set(RAW_CHANNELS)
    with_party = [r for r in raws if r.party]
    assert 0 < len(with_party) < 200
    assert all(r.party and r.party in r.text for r in with_party)


def test_events_share_keys_with_rising_seq_and_time() -> None:
    """Events of one key have seq 0..n-1 and rising occurred_at."""
    events = make_events(12, run="u", per_key=3)
    first_key = [e for e in events if e.key == events[0].key]
    assert [e.seq for e in first_key] == [0, 1, 2]
    times = [orjson.loads(e.value)["occurred_at"] for e in first_key]
    assert times == sorted(times) and len(set(times)) == 3


def test_bad_event_counts_are_refused() -> None:
    """A negative count or per_key below one is a SamenspelError naming the value."""
    with pytest.raises(SamenspelError, match="-1"):
        make_events(-1, run="u")
    with pytest.raises(SamenspelError, match="per key"):
        make_events(5, run="u", per_key=0)


def test_percentile_nearest_rank() -> None:
    """p50 and p99 of 1..100 are 50 and 99; empty input is an error."""
    values = [float(v) for v in range(100, 0, -1)]
    assert percentile(values, 50) == 50.0
    assert percentile(values, 99) == 99.0
    assert percentile(values, 100) == 100.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_rate_counts_intervals() -> None:
    """11 records over one second are 10 per second, whatever their order."""
    assert rate_from_timestamps([1000 + 100 * i for i in range(11)][::-1]) == pytest.approx(10.0)
    with pytest.raises(ValueError):
        rate_from_timestamps([5])


def _records(events: list, stamps: list[int]) -> list[FeedRecord]:
    return [
        FeedRecord(e.interaction_id.encode(), s, 0, i)
        for i, (e, s) in enumerate(zip(events, stamps, strict=True))
    ]


def test_verifier_accepts_a_clean_feed_and_names_each_fault() -> None:
    """A complete ordered feed passes; a lost, a doubled and a reordered event are each reported."""
    events = make_events(6, run="v", per_key=3)
    clean = _records(events, [10, 20, 30, 10, 20, 30])
    assert verify_feed(events, clean).ok
    faulty = [*_records(events[:5], [10, 30, 20, 10, 20]), clean[0]]
    verdict = verify_feed(events, faulty)
    assert verdict.missing == [events[5].interaction_id]
    assert verdict.duplicated == {events[0].interaction_id: 2}
    assert verdict.order_violations == [(events[0].key, 1, 2)]
    assert not verdict.ok


def test_summary_line_has_the_contract_keys() -> None:
    """The bench's last line holds exactly the seven documented keys."""
    result = BenchResult(
        baseline_events_per_s=100.0, pipeline_events_per_s=80.0, ratio=0.8,
        p50_latency_ms=5.0, p99_latency_ms=20.0, chain_events_per_s=1000.0,
        webhook_events_per_s=None, events=10, latency_rate=1.0, latency_events=1,
    )  # fmt: skip
    assert list(orjson.loads(summary_line(result))) == [
        "baseline_events_per_s", "pipeline_events_per_s", "ratio", "p50_latency_ms",
        "p99_latency_ms", "chain_events_per_s", "webhook_events_per_s",
    ]  # fmt: skip


def test_chain_rate_runs_the_bench_events_in_batches_and_a_failed_event_is_an_error() -> None:
    """The chain stage measures valid events in batches and restores the collector after; an
    event the chain rejects is a bug in the bench input and raises, it is not a figure."""
    import gc

    from pipeline.bench.chain_run import chain_rate, in_batches, run_batches
    from pipeline.chain import Chain
    from pipeline.normalise import StageError
    from pipeline.privacy import Pseudonymiser
    from pipeline.tagging import Tagger

    chain = Chain(Tagger.load(), Pseudonymiser(b"k" * 32), max_event_bytes=1 << 20)
    values = [e.value for e in make_events(120, run="u")]
    thresholds = gc.get_threshold()
    assert chain_rate(chain, values, runs=1, batch=50) > 0
    assert gc.get_threshold() == thresholds
    assert [len(b) for b in in_batches(values, 50)] == [50, 50, 20]
    with pytest.raises(StageError, match="JSON"):
        run_batches(chain, in_batches([values[0], b"{not json", values[1]], 2))
