"""The worker with processing_guarantee=exactly_once, as a read_committed reader sees the feed."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline.bench import kafka_io
from pipeline.bench.events import BenchEvent, make_events
from pipeline.bench.verify import FeedRecord, verify_feed
from pipeline.settings import Settings
from tests.kafka_helpers import WorkerProcess, create_topics, produce, start_worker

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
EVENTS = 3000
KILL_EVENTS = 20_000
"""Enough that the worker is still busy when a third of them is committed (it does ~3,000/s)."""
BAD = {b"bad-json": b"{not json", b"bad-fields": b'{"id": "x"}', b"bad-null": b"null"}


def read_committed(
    settings: Settings, short_name: str, *, expect: int, timeout_s: float = 120.0
) -> list[tuple[FeedRecord, dict[str, bytes]]]:
    """Read a topic from the start as a read_committed consumer until ``expect`` records arrived,
    then a little longer so that duplicates would show."""
    topic = settings.topic(short_name)
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list(),
        enable_auto_commit=False,
        isolation_level="read_committed",
    )
    tps = [TopicPartition(topic, p) for p in range(kafka_io.partition_count(settings, short_name))]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    out: list[tuple[FeedRecord, dict[str, bytes]]] = []
    deadline = time.monotonic() + timeout_s
    settle_until: float | None = None
    while settle_until is None or time.monotonic() < settle_until:
        if time.monotonic() > deadline:
            break
        for batch in consumer.poll(timeout_ms=300).values():
            out.extend(
                (FeedRecord(m.key or b"", m.timestamp, m.partition, m.offset), dict(m.headers))
                for m in batch
            )
        if settle_until is None and len(out) >= expect:
            settle_until = time.monotonic() + 2.0
    consumer.close()
    return out


def committed_count(settings: Settings) -> int:
    """How many feed records a read_committed reader can see right now (sum over partitions)."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list(), isolation_level="read_committed"
    )
    topic = settings.topic("interactions")
    tps = [
        TopicPartition(topic, p) for p in range(kafka_io.partition_count(settings, "interactions"))
    ]
    ends = consumer.end_offsets(tps)  # last stable offsets; may include transaction markers
    consumer.close()
    return sum(ends.values())


def assert_each_once(events: list[BenchEvent], feed: list[FeedRecord]) -> None:
    """Every event on the feed once: none missing, none twice, nothing else.

    Order per raw key is not asserted: starting on a backlog, the at_least_once worker reorders a
    few events of a key too (concurrent first batches of a partition), which is not this test's.
    """
    verdict = verify_feed(events, feed)
    assert not (verdict.missing or verdict.duplicated or verdict.unexpected), verdict.summary()


def eos_worker(settings: Settings, log: Path, worker_id: str) -> WorkerProcess:
    worker = start_worker(
        settings, log, worker_id=worker_id, SAMENSPEL_PROCESSING_GUARANTEE="exactly_once"
    )
    worker.wait_ready()
    return worker


def test_every_event_once_and_bad_ones_dead_lettered(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    """3,000 events reach the committed feed exactly once; bad events are dead-lettered once."""
    settings = kafka_settings
    create_topics(settings)
    events = make_events(EVENTS, run=settings.topic_prefix)
    asyncio.run(kafka_io.produce_events(settings, events))
    produce(settings, settings.topic("raw.web"), list(BAD.items()))
    worker = eos_worker(settings, tmp_path / "worker.log", "eos-1")
    try:
        feed = read_committed(settings, "interactions", expect=EVENTS)
        dead = read_committed(settings, "deadletter", expect=len(BAD), timeout_s=30)
    finally:
        worker.stop()
    assert_each_once(events, [record for record, _ in feed])
    assert sorted(record.key for record, _ in dead) == sorted(BAD)
    assert all(headers["samenspel_stage"] == b"parse" for _, headers in dead)
    assert worker.process.returncode in (0, -15), worker.log_tail()
    assert "Crashed" not in (tmp_path / "worker.log").read_text()


def test_sigkill_mid_stream_then_restart_gives_each_event_once(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    """A worker SIGKILLed mid-stream and restarted leaves each event once on the committed feed."""
    settings = kafka_settings
    create_topics(settings)
    events = make_events(KILL_EVENTS, run=settings.topic_prefix)
    asyncio.run(kafka_io.produce_events(settings, events))
    first = eos_worker(settings, tmp_path / "first.log", "eos-1")
    try:
        deadline = time.monotonic() + 120
        while committed_count(settings) < KILL_EVENTS // 3 and time.monotonic() < deadline:
            time.sleep(0.1)
        first.kill()
    finally:
        first.stop()
    at_kill = committed_count(settings)
    assert KILL_EVENTS // 3 <= at_kill < KILL_EVENTS, f"the kill should land mid-stream ({at_kill})"
    second = eos_worker(settings, tmp_path / "second.log", "eos-2")
    try:
        feed = read_committed(settings, "interactions", expect=KILL_EVENTS, timeout_s=180)
    finally:
        second.stop()
    assert_each_once(events, [record for record, _ in feed])
