"""The worker under failure: SIGKILL with concurrency and a slow event; two workers sharing."""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from pipeline.settings import Settings
from schemas import Interaction, interaction_id
from tests.kafka_helpers import (
    create_topics,
    produce,
    read_topic,
    start_worker,
    topic_size,
    wait_for_size,
    wait_settled,
)

pytestmark = [pytest.mark.kafka, pytest.mark.slow]
SLOW_WORKER = [sys.executable, str(Path(__file__).with_name("slow_worker.py"))]


def events(channel: str, count: int, slow_at: int | None = None) -> list[tuple[bytes, bytes]]:
    """Raw events keyed by caller (several events per key), one optionally marked slow."""
    out = []
    for i in range(count):
        text = "Beller vraagt naar de status van zijn aanvraag parkeervergunning."
        if i == slow_at:
            text += " SLOW-EVENT"
        body = {
            "id": f"{channel}-{i}",
            "channel": channel,
            "source": f"test-{channel}",
            "occurred_at": f"2026-11-30T09:{i // 600 % 60:02d}:{i // 10 % 60:02d}+01:00",
            "text": text,
            "metadata": {"seq": i},
        }
        out.append((f"caller-{i % 97}".encode(), json.dumps(body).encode()))
    return out


def feed_counts(settings: Settings, expect: int) -> Counter[str]:
    records = read_topic(settings, settings.topic("interactions"), expect=expect, timeout_s=180)
    return Counter(Interaction.model_validate_json(r.value or b"").id for r in records)


def test_sigkill_mid_stream_with_concurrency_and_a_slow_event(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    """SIGKILLed while a slow event is in flight, then restarted: every event once, none twice."""
    settings = kafka_settings
    create_topics(settings)
    total = 6000
    produce(settings, settings.topic("raw.phone"), events("phone", total // 2, slow_at=50))
    produce(settings, settings.topic("raw.web"), events("web", total // 2))
    slow_id = interaction_id("test-phone", "phone-50")
    first = start_worker(
        settings,
        tmp_path / "w1.log",
        command=SLOW_WORKER,
        SLOW_EVENT_S=60,
        SAMENSPEL_WORKER_CONCURRENCY=4,
    )
    try:
        first.wait_ready()
        published = wait_for_size(settings, settings.topic("interactions"), at_least=total // 3)
        first.kill()
    finally:
        first.stop()
    assert total // 3 <= published < total, "the kill should land mid-stream"
    before_restart = feed_counts(
        settings, expect=topic_size(settings, settings.topic("interactions"))
    )
    assert slow_id not in before_restart, "the slow event was still in flight at the kill"
    second = start_worker(
        settings, tmp_path / "w2.log", worker_id="w2", SAMENSPEL_WORKER_CONCURRENCY=4
    )
    try:
        second.wait_ready()
        counts = feed_counts(settings, expect=total)
    finally:
        second.stop()
    expected = {interaction_id("test-phone", f"phone-{i}") for i in range(total // 2)}
    expected |= {interaction_id("test-web", f"web-{i}") for i in range(total // 2)}
    assert set(counts) == expected, f"missing {len(expected - set(counts))}"
    assert counts.most_common(1)[0][1] == 1, (
        f"duplicates: {[k for k, n in counts.items() if n > 1][:5]}"
    )


def test_two_workers_share_and_one_stops_mid_stream(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    """Two workers share the partitions; stopping one mid-stream loses and repeats nothing."""
    settings = kafka_settings
    create_topics(settings)
    total = 8000
    one = start_worker(settings, tmp_path / "w1.log", worker_id="w1")
    two = start_worker(settings, tmp_path / "w2.log", worker_id="w2")
    try:
        one.wait_ready()
        two.wait_ready()
        wait_settled([one, two])  # both own partitions before the events come
        produce(settings, settings.topic("raw.counter"), events("counter", total // 2))
        wait_for_size(settings, settings.topic("interactions"), at_least=total // 8)
        two.stop()  # SIGTERM: graceful, mid-stream
        produce(settings, settings.topic("raw.neighbourhood"), events("neighbourhood", total // 2))
        counts = feed_counts(settings, expect=total)
        assert one.process.poll() is None
    finally:
        one.stop()
        two.stop()
    assert len(counts) == total
    assert counts.most_common(1)[0][1] == 1
    w1_log = (tmp_path / "w1.log").read_text()
    w2_log = (tmp_path / "w2.log").read_text()
    assert "feed partition primed" in w1_log and "feed partition primed" in w2_log, "both did work"
