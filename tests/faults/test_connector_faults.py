"""The asterisk-cdr connector SIGKILLed mid-import and restarted: the raw topic holds every CDR at
least once, and the feed (worker running throughout) holds each exactly once."""

from __future__ import annotations

import time
import uuid
from collections import Counter
from pathlib import Path

import orjson
import pytest
from kafka import KafkaConsumer, TopicPartition

from pipeline import local_kafka
from pipeline.bench import kafka_io
from pipeline.bench.processes import start_connector, start_worker
from pipeline.settings import Settings
from schemas import interaction_id
from tests.faults.conftest import EVENTS
from tests.faults.test_worker_faults import KEY, FeedCounter, log, wait_for

pytestmark = [pytest.mark.kafka, pytest.mark.faults, pytest.mark.slow]
CDRS = max(1000, EVENTS // 5)


def write_master_csv(path: Path, count: int) -> list[str]:
    """A Master.csv of ``count`` CDR lines; returns their unique ids in file order."""
    ids = []
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            uid = f"{1772439245 + n}.{n}"
            ids.append(uid)
            caller = f"06{12000000 + n % 999999:08d}"
            out.write(
                f'"","{caller}","7000","from-trunk","""{caller}"" <{caller}>","SIP/t-{n}",'
                f'"SIP/2041-{n}","Queue","kcc,t,,,300","2026-03-02 09:14:05",'
                f'"2026-03-02 09:14:52","2026-03-02 09:18:40",275,228,"ANSWERED",'
                f'"DOCUMENTATION","{uid}","Vraag over ophaaldag grofvuil, bel {caller}"\n'
            )
    return ids


def raw_count(settings: Settings) -> int:
    """Records on raw.phone so far (sum of end offsets; the topic is new, so it starts at 0)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_list())
    topic = settings.topic("raw.phone")
    tps = [TopicPartition(topic, p) for p in range(kafka_io.partition_count(settings, "raw.phone"))]
    total = sum(consumer.end_offsets(tps).values())
    consumer.close()
    return int(total)


def raw_ids(settings: Settings) -> Counter[str]:
    """Every event id on raw.phone, read to the end."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_list(), enable_auto_commit=False)
    topic = settings.topic("raw.phone")
    tps = [TopicPartition(topic, p) for p in range(kafka_io.partition_count(settings, "raw.phone"))]
    consumer.assign(tps)
    ends = consumer.end_offsets(tps)
    consumer.seek_to_beginning(*tps)
    ids: Counter[str] = Counter()
    while any(consumer.position(tp) < ends[tp] for tp in tps):
        for batch in consumer.poll(timeout_ms=500).values():
            ids.update(orjson.loads(m.value)["id"] for m in batch if m.value)
    consumer.close()
    return ids


def test_connector_sigkilled_mid_import(cluster: local_kafka.Cluster, tmp_path: Path) -> None:
    """Kill the import part-way, restart it: nothing lost on raw, nothing doubled on the feed."""
    settings = Settings(
        kafka_bootstrap_servers=cluster.bootstrap,
        topic_prefix=f"c{uuid.uuid4().hex[:8]}",
        pseudonym_key=KEY,
    )
    kafka_io.create_bench_topics(settings)
    cdr_dir = tmp_path / "cdr"
    cdr_dir.mkdir()
    ids = write_master_csv(cdr_dir / "Master.csv", CDRS)
    config = tmp_path / "asterisk.yaml"
    config.write_text(f"path: {cdr_dir}\nmode: import\n", encoding="utf-8")
    counter = FeedCounter(settings)
    worker = start_worker(settings, tmp_path / "worker.log", SAMENSPEL_DATA_DIR=str(tmp_path / "d"))
    connector = start_connector(settings, "asterisk-cdr", config, tmp_path / "connector.log")
    try:
        deadline = time.monotonic() + 120
        while (imported := raw_count(settings)) < CDRS // 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        connector.kill()
        log(f"SIGKILL connector at {imported} of {CDRS} CDRs on raw.phone")
        assert imported < CDRS, "the import finished before the kill: make the file bigger"
        connector = start_connector(settings, "asterisk-cdr", config, tmp_path / "connector.log")
        log("restarted connector")
        assert connector.process.wait(timeout=300) == 0, connector.log_tail()
        log("connector finished its import")
        wait_for(counter, CDRS, timeout_s=300)
        time.sleep(5)
    finally:
        connector.kill()
        worker.stop()
        records = counter.stop()
    on_raw = raw_ids(settings)
    log(f"raw.phone: {sum(on_raw.values())} records, {len(on_raw)} distinct CDRs of {CDRS}")
    assert set(on_raw) == set(ids), f"{len(set(ids) - set(on_raw))} CDRs missing on raw.phone"
    feed = Counter(record.key.decode() for record in records)
    expected = {interaction_id("asterisk", uid) for uid in ids}
    log(f"feed: {len(records)} records, {len(feed)} distinct")
    assert set(feed) == expected
    assert max(feed.values()) == 1, f"{sum(1 for n in feed.values() if n > 1)} doubled on the feed"
