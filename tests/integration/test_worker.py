"""The worker against the real local Kafka: feed, dead letters, duplicates, crashes, scale-out."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jsonschema
import pytest
from prometheus_client.parser import text_string_to_metric_families

from pipeline.settings import RAW_CHANNELS, Settings
from schemas import Interaction, interaction_id
from tests.kafka_helpers import create_topics, produce, read_topic, start_worker

pytestmark = pytest.mark.kafka

TEXTS = {
    "phone": "Beller vraagt hoe ze een kopie van haar huwelijksakte kan krijgen.",
    "counter": "Inwoner betaalt de openstaande aanslag rioolheffing aan de balie.",
    "web": "Melding: de prullenbak bij het speeltuintje zit al dagen vol.",
    "social": "Als omwonenden maken wij ons grote zorgen over de geplande snelweg-afrit.",
    "neighbourhood": (
        "We willen een buitenbioscoop op ons pleintje organiseren, kan de gemeente helpen?"
    ),
}


def raw_event(channel: str, event_id: str, **extra: object) -> bytes:
    """A generic raw event as connectors put it on a raw topic."""
    body = {
        "id": event_id,
        "channel": channel,
        "source": f"test-{channel}",
        "occurred_at": (
            datetime(2026, 11, 30, 9, 0, tzinfo=UTC) + timedelta(seconds=len(event_id))
        ).isoformat(),
        "text": TEXTS[channel],
        **extra,
    }
    return json.dumps(body).encode()


FEED_SCHEMA = jsonschema.Draft202012Validator(
    json.loads((Path(__file__).parents[2] / "schemas" / "json" / "interaction-1.json").read_text())
)


def feed_ids(settings: Settings, expect: int, timeout_s: float = 90) -> list[str]:
    records = read_topic(
        settings, settings.topic("interactions"), expect=expect, timeout_s=timeout_s
    )
    return [Interaction.model_validate_json(r.value or b"").id for r in records]


def test_raw_event_reaches_feed_and_malformed_one_dead_letters(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    """A generic raw event on raw.phone is published on the feed; bad ones are dead-lettered."""
    settings = kafka_settings
    create_topics(settings)
    produce(
        settings,
        settings.topic("raw.phone"),
        [
            (
                b"call-1",
                raw_event(
                    "phone",
                    "call-1",
                    party="06-12345678",
                    party_kind="phone",
                    subject="Terugbellen op 06-12345678 of jan.devries@example.nl",
                ),
            ),
            (b"bad", b"{not json"),
            (b"bad-2", b'{"id": "b2", "text": "BSN 111222333, IBAN NL91ABNA0417164300"'),
        ],
    )
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        feed = read_topic(settings, settings.topic("interactions"), expect=1)
        dead = read_topic(settings, settings.topic("deadletter"), expect=2)
    finally:
        worker.stop()
    assert len(feed) == 1
    FEED_SCHEMA.validate(json.loads(feed[0].value or b""))
    interaction = Interaction.model_validate_json(feed[0].value or b"")
    assert interaction.id == interaction_id("test-phone", "call-1")
    assert feed[0].key == interaction.id.encode()
    assert interaction.tags.perspective.value == "burgers_en_bedrijven"
    assert (
        interaction.party
        and interaction.party.startswith("k1:")
        and "12345678" not in interaction.party
    )
    assert feed[0].headers["ce_id"] == interaction.id.encode()
    assert feed[0].headers["ce_source"].startswith(b"urn:nld:oin:")
    assert len(dead) == 2
    assert dead[0].value == b"{not json"
    assert dead[0].headers["samenspel_stage"] == b"parse"
    assert b"JSON" in dead[0].headers["samenspel_error_message"]
    assert dead[0].headers["samenspel_original_topic"] == settings.topic("raw.phone").encode()
    assert worker.process.returncode in (0, -15)
    assert interaction.subject is not None and "[TELEFOON]" in interaction.subject
    log_text = (tmp_path / "worker.log").read_text()
    assert "event dead-lettered" in log_text  # the log was written, and is scanned below
    for identifier in ("12345678", "jan.devries@example.nl", "111222333", "NL91ABNA0417164300"):
        assert identifier not in log_text
        assert identifier.encode() not in (feed[0].value or b"")


BAD_EVENTS: dict[str, bytes | None] = {
    "not-json": b"hello world",
    "not-object": b"[1, 2, 3]",
    "missing-fields": b'{"id": "x"}',
    "wrong-type": b'{"id": 5, "channel": "web", "source": "s", '
    b'"occurred_at": "2026-11-30T09:00:00Z", "text": "t"}',
    "unknown-channel": b'{"id": "u", "channel": "fax", "source": "s", '
    b'"occurred_at": "2026-11-30T09:00:00Z", "text": "t"}',
    "naive-time": b'{"id": "n", "channel": "web", "source": "s", '
    b'"occurred_at": "2026-11-30T09:00:00", "text": "t"}',
    "invalid-utf8": b'{"id": "\xff\xfe", "channel": "web"}',
    "deep": b'{"a":' * 5000 + b"1" + b"}" * 5000,
    "null": b"null",
    "tombstone": None,
    "too-large": b'{"id": "big", "text": "' + b"x" * 900_000 + b'"}',
}


def test_bad_events_are_dead_lettered_and_worker_keeps_going(
    kafka_settings: Settings, tmp_path: Path
) -> None:
    """Each kind of bad event is dead-lettered with a reason; good ones around it are published."""
    settings = kafka_settings
    create_topics(settings)
    messages: list[tuple[bytes | None, bytes | None]] = []
    for index, (name, value) in enumerate(BAD_EVENTS.items()):
        messages.append((f"good-{index}".encode(), raw_event("web", f"good-{index}")))
        messages.append((name.encode(), value))
    produce(settings, settings.topic("raw.web"), messages)
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        dead = read_topic(settings, settings.topic("deadletter"), expect=len(BAD_EVENTS))
        assert len(feed_ids(settings, expect=len(BAD_EVENTS))) == len(BAD_EVENTS)
        produce(settings, settings.topic("raw.web"), [(b"after", raw_event("web", "after"))])
        assert interaction_id("test-web", "after") in feed_ids(settings, expect=len(BAD_EVENTS) + 1)
        assert worker.process.poll() is None
    finally:
        worker.stop()
    reasons = {r.key.decode(): r.headers["samenspel_error_message"].decode() for r in dead if r.key}
    assert set(reasons) == set(BAD_EVENTS)
    assert "JSON" in reasons["not-json"]
    assert "not an object" in reasons["not-object"]
    assert "occurred_at" in reasons["missing-fields"]
    assert reasons["wrong-type"].startswith("id:")
    assert reasons["unknown-channel"].startswith("channel:")
    assert "timezone" in reasons["naive-time"]
    assert "UTF-8" in reasons["invalid-utf8"]
    assert "tombstone" in reasons["tombstone"]
    assert "exceeds the limit" in reasons["too-large"]
    assert all(r.headers["samenspel_stage"] == b"parse" for r in dead)


def test_same_raw_event_twice_is_published_once(kafka_settings: Settings, tmp_path: Path) -> None:
    """A raw event produced twice (same source and id) appears once on the feed."""
    settings = kafka_settings
    create_topics(settings)
    event = raw_event("social", "toot-1")
    produce(settings, settings.topic("raw.social"), [(b"toot-1", event), (b"toot-1", event)])
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        first = feed_ids(settings, expect=2, timeout_s=20)
        produce(settings, settings.topic("raw.social"), [(b"toot-1", event)])  # a later replay
        time.sleep(3)
        second = feed_ids(settings, expect=2, timeout_s=10)
    finally:
        worker.stop()
    assert first == [interaction_id("test-social", "toot-1")]
    assert second == first


def test_stats_and_metrics_add_up(kafka_settings: Settings, tmp_path: Path) -> None:
    """/stats counts add up to what was published; /metrics is valid Prometheus text."""
    settings = kafka_settings
    create_topics(settings)
    for channel in RAW_CHANNELS:
        produce(
            settings,
            settings.topic(f"raw.{channel}"),
            [(f"{channel}-{i}".encode(), raw_event(channel, f"{channel}-{i}")) for i in range(20)],
        )
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        ids = feed_ids(settings, expect=100)
        status, body = worker.get("/stats")
        status_m, metrics_text = worker.get("/metrics")
        health = worker.get("/health")[0]
    finally:
        worker.stop()
    assert len(ids) == 100 == len(set(ids))
    assert status == 200
    stats = json.loads(body)
    assert stats["total"] == 100
    assert sum(c["count"] for c in stats["cells"]) == 100
    assert all(
        sum(w["channel"].values()) == sum(w["perspective"].values())
        for w in stats["windows"].values()
    )
    assert status_m == 200 and health == 200
    families = {f.name: f for f in text_string_to_metric_families(metrics_text.decode())}
    out = sum(
        s.value for s in families["samenspel_events_out"].samples if s.name.endswith("_total")
    )
    assert out == 100


@pytest.mark.slow
def test_ten_thousand_events_exactly_once_tagged(kafka_settings: Settings, tmp_path: Path) -> None:
    """10,000 events over the five raw topics all appear exactly once on the feed, tagged."""
    settings = kafka_settings
    create_topics(settings)
    expected = set()
    for channel in RAW_CHANNELS:
        batch = [
            (f"{channel}-{i}".encode(), raw_event(channel, f"{channel}-{i}")) for i in range(2000)
        ]
        produce(settings, settings.topic(f"raw.{channel}"), batch)
        expected |= {interaction_id(f"test-{channel}", f"{channel}-{i}") for i in range(2000)}
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        records = read_topic(settings, settings.topic("interactions"), expect=10_000, timeout_s=240)
    finally:
        worker.stop()
    for record in records:
        FEED_SCHEMA.validate(json.loads(record.value or b""))
    interactions = [Interaction.model_validate_json(r.value or b"") for r in records]
    counts = Counter(i.id for i in interactions)
    assert set(counts) == expected
    assert max(counts.values()) == 1
    assert all(i.tags.tagger_version for i in interactions)
