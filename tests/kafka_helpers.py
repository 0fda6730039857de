"""Helpers for integration tests: produce, read a topic to the end, run a worker process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from pipeline.settings import Settings
from pipeline.topics import apply_topics, load_topic_specs


def create_topics(settings: Settings) -> None:
    apply_topics(load_topic_specs(settings.topic_prefix), settings.bootstrap_list())


def produce(
    settings: Settings, topic: str, messages: Iterable[tuple[bytes | None, bytes | None]]
) -> int:
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap_list(), acks="all", linger_ms=5)
    count = 0
    for key, value in messages:
        producer.send(topic, key=key, value=value)
        count += 1
    producer.flush(timeout=30)
    producer.close()
    return count


@dataclass
class Record:
    key: bytes | None
    value: bytes | None
    headers: dict[str, bytes]
    partition: int
    offset: int


def read_topic(
    settings: Settings, topic: str, *, expect: int, timeout_s: float = 60.0
) -> list[Record]:
    """Read a topic from the start until ``expect`` records arrived or the time is up."""
    consumer = KafkaConsumer(
        bootstrap_servers=settings.bootstrap_list(),
        enable_auto_commit=False,
        consumer_timeout_ms=1000,
    )
    partitions = consumer.partitions_for_topic(topic) or set()
    deadline = time.monotonic() + timeout_s
    while not partitions and time.monotonic() < deadline:
        time.sleep(0.5)
        partitions = consumer.partitions_for_topic(topic) or set()
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    consumer.assign(tps)
    consumer.seek_to_beginning(*tps)
    records: list[Record] = []
    while len(records) < expect and time.monotonic() < deadline:
        for batch in consumer.poll(timeout_ms=500).values():
            for m in batch:
                records.append(Record(m.key, m.value, dict(m.headers or []), m.partition, m.offset))
    # give stragglers (duplicates) a moment to show up
    settle = time.monotonic() + 2.0
    while time.monotonic() < settle:
        for batch in consumer.poll(timeout_ms=300).values():
            for m in batch:
                records.append(Record(m.key, m.value, dict(m.headers or []), m.partition, m.offset))
    consumer.close()
    return records


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class WorkerProcess:
    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    def get(self, path: str) -> tuple[int, bytes]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as resp:
                return resp.status, resp.read()
        except urllib.error.HTTPError as err:
            return err.code, err.read()

    def wait_ready(self, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"worker exited with {self.process.returncode}: {self.log_tail()}"
                )
            try:
                if self.get("/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError(f"worker not ready within {timeout_s} s: {self.log_tail()}")

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()


def topic_size(settings: Settings, topic: str) -> int:
    """How many records a topic holds (sum of end offsets; topics here are never compacted)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_list())
    partitions = consumer.partitions_for_topic(topic) or set()
    ends = consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    consumer.close()
    return sum(ends.values())


def wait_for_size(settings: Settings, topic: str, at_least: int, timeout_s: float = 120) -> int:
    deadline = time.monotonic() + timeout_s
    size = topic_size(settings, topic)
    while size < at_least and time.monotonic() < deadline:
        time.sleep(0.3)
        size = topic_size(settings, topic)
    return size


def wait_settled(
    workers: list[WorkerProcess], settle_s: float = 3.0, timeout_s: float = 90.0
) -> None:
    """Wait until every worker is ready and none's partition count changed for ``settle_s``.

    A worker that joins a running group triggers a rebalance that its peers may not have seen yet
    when each reports ready; events produced then can all go to the first worker.
    """
    deadline = time.monotonic() + timeout_s
    last: list[int] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        counts = []
        for worker in workers:
            status, body = worker.get("/ready")
            counts.append(json.loads(body)["assigned_partitions"] if status == 200 else -1)
        if counts != last or min(counts) <= 0:
            last, since = counts, time.monotonic()
        elif time.monotonic() - since >= settle_s:
            return
        time.sleep(0.25)
    raise AssertionError(f"workers did not settle within {timeout_s} s: partitions {last}")


def start_worker(
    settings: Settings,
    log_path: Path,
    *,
    worker_id: str = "w1",
    command: list[str] | None = None,
    **env: Any,
) -> WorkerProcess:
    port = free_port()
    environment = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "SAMENSPEL_TOPIC_PREFIX": settings.topic_prefix,
        "SAMENSPEL_PSEUDONYM_KEY": settings.pseudonym_key or "",
        "SAMENSPEL_WEB_PORT": str(port),
        "SAMENSPEL_WORKER_ID": worker_id,
        **{k: str(v) for k, v in env.items()},
    }
    log = log_path.open("ab")
    process = subprocess.Popen(
        command or [sys.executable, "-m", "pipeline", "worker"],
        env=environment,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return WorkerProcess(process, port, log_path)
