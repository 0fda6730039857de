"""The connector conformance suite: checks every registered connector gets for free.

Use it from a test module with ``from connectors.testing.conformance import *  # noqa: F403``;
the test session must provide the fixtures ``kafka_bootstrap`` (``"host:port"`` of a broker that
is up) and ``topic_prefix`` (unique per test), as ``tests/conftest.py`` does. Each connector needs
a harness, a local fake of its source (``connectors.testing.harness``): a connector without one
fails the suite instead of being skipped. Third-party connectors register theirs with
:func:`register_polling_harness` / :func:`register_webhook_harness` in their conftest.

Checks (the Redpanda Connect model): records reach the raw topic at least once, with stable ids; a
restart resumes from the stored position without re-sending acknowledged records; a bad payload
goes to the dead-letter topic and reading goes on; a failing source is retried with backoff and
reported unhealthy, then recovers. The Kafka checks are marked ``kafka``.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pytest
from aiohttp.test_utils import TestClient, TestServer
from kafka import KafkaConsumer, TopicPartition
from pydantic import JsonValue

from connectors.contract import Connector, ConnectorConfig, SourceRecord, WebhookConnector
from connectors.registry import load_connectors
from connectors.testing import harness
from connectors.testing.fakes import MemorySink, Produced
from pipeline.connect import metrics
from pipeline.connect.backoff import Backoff
from pipeline.connect.http import Health
from pipeline.connect.kafka import KafkaSink, position_loader
from pipeline.connect.records import raw_topic
from pipeline.connect.runtime import ConnectorRuntime
from pipeline.connect.signature import sign
from pipeline.connect.sink import Headers
from pipeline.connect.webhooks import WebhookReceiver, build_app, endpoint_for
from pipeline.settings import Settings
from schemas import Channel

__all__ = [
    "test_bad_payload_goes_to_dead_letters_and_reading_goes_on",
    "test_connector_declares_the_contract",
    "test_failing_source_is_retried_reported_unhealthy_and_recovers",
    "test_polling_ids_are_stable_across_reads",
    "test_records_reach_the_raw_topic",
    "test_restart_resumes_without_resending",
    "test_webhook_bad_body_is_dead_lettered_or_refused",
    "test_webhook_batch_reaches_kafka",
    "test_webhook_ids_are_stable_and_distinct",
]

PSEUDONYM_KEY = "conformance-pseudonym-key-0123456789"
TIMEOUT_S = 30.0


class PollingHarness(Protocol):
    """A local fake source with records, outages and bad payloads on demand."""

    async def start(self, n_records: int = 0) -> None: ...

    def add_records(self, n: int) -> None: ...

    def add_bad_record(self) -> None: ...

    def fail(self, seconds: float) -> None: ...

    def config(self) -> dict[str, JsonValue]: ...

    async def stop(self) -> None: ...


PollingHarnessFactory = Callable[[Path], PollingHarness]
"""Builds a fresh harness; gets a temporary directory for file-based sources."""

_POLLING: dict[str, PollingHarnessFactory] = {
    "asterisk-cdr": lambda tmp: harness.AsteriskHarness(tmp / "cdr"),
    "mastodon": lambda tmp: harness.FakeMastodon(),
    "decidim": lambda tmp: harness.FakeDecidim(),
}
_POLLING.update(getattr(harness, "POLLING_HARNESSES", {}))
_WEBHOOK: dict[str, harness.WebhookHarness] = dict(harness.WEBHOOK_HARNESSES)


def register_polling_harness(name: str, factory: PollingHarnessFactory) -> None:
    """Give the polling connector ``name`` its fake source for the suite."""
    _POLLING[name] = factory


def register_webhook_harness(name: str, body_harness: harness.WebhookHarness) -> None:
    """Give the webhook connector ``name`` its request bodies for the suite."""
    _WEBHOOK[name] = body_harness


CONNECTORS = load_connectors()
POLLING = sorted(n for n, c in CONNECTORS.items() if issubclass(c, Connector))
WEBHOOKS = sorted(n for n, c in CONNECTORS.items() if issubclass(c, WebhookConnector))


def _polling_harness(name: str, tmp_path: Path) -> PollingHarness:
    if name not in _POLLING:
        pytest.fail(f"connector {name!r} has no conformance harness (register_polling_harness)")
    return _POLLING[name](tmp_path)


def _webhook_harness(name: str) -> harness.WebhookHarness:
    if name not in _WEBHOOK:
        pytest.fail(f"webhook connector {name!r} has no conformance harness")
    return _WEBHOOK[name]


# --- plumbing -------------------------------------------------------------------------------


@dataclass
class RecordingSink:
    """Forwards to Kafka and remembers what was acknowledged, to know when a run is done."""

    inner: KafkaSink
    acked: list[Produced] = field(default_factory=list)

    async def send(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        await self.inner.send(topic, key, value, headers)
        self.acked.append(Produced(topic, key, value, tuple(headers)))

    def on(self, topic: str) -> list[Produced]:
        return [record for record in self.acked if record.topic == topic]


def _settings(kafka_bootstrap: str, topic_prefix: str) -> Settings:
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        pseudonym_key=PSEUDONYM_KEY,
    )


def read_topic(settings: Settings, topic: str) -> list[Any]:
    """Every record on ``topic`` up to its current end (kafka-python ConsumerRecords)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap_list(), enable_auto_commit=False)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not assigned:
            return []
        consumer.assign(assigned)
        consumer.seek_to_beginning(*assigned)
        end = consumer.end_offsets(assigned)
        records: list[Any] = []
        deadline = time.monotonic() + TIMEOUT_S
        while any(consumer.position(tp) < end[tp] for tp in assigned):
            assert time.monotonic() < deadline, f"timed out reading {topic}"
            for batch in consumer.poll(timeout_ms=500).values():
                records.extend(batch)
        return records
    finally:
        consumer.close()


def _ids(records: list[Produced]) -> list[str]:
    return [record.key.decode() for record in records if record.key is not None]


async def _until(condition: Callable[[], bool], what: str, task: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + TIMEOUT_S
    while not condition():
        if task.done():
            task.result()  # the runtime stopped: show why
            raise AssertionError(f"runtime ended before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)


@contextlib.asynccontextmanager
async def _running(
    name: str, config: ConnectorConfig, settings: Settings, sink: RecordingSink, health: Health
) -> Any:
    """Run the connector in the background; stop it (flush, store positions) on exit."""
    runtime = ConnectorRuntime(
        CONNECTORS[name],  # type: ignore[arg-type]
        config,
        settings,
        sink,
        position_loader(settings),
        backoff=Backoff(base=0.05, cap=0.5),
        commit_interval=0.1,
        health=health,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runtime.run(stop))
    try:
        yield task
    finally:
        stop.set()
        await asyncio.wait_for(task, TIMEOUT_S)


def _config(name: str, values: dict[str, JsonValue]) -> ConnectorConfig:
    return CONNECTORS[name].config_model.model_validate(values)


def _run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), 3 * TIMEOUT_S))


@contextlib.contextmanager
def _sink(settings: Settings) -> Iterator[RecordingSink]:
    kafka = KafkaSink(settings, client_id="conformance")
    try:
        yield RecordingSink(kafka)
    finally:
        asyncio.run(kafka.close())


# --- checks without Kafka -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_connector_declares_the_contract(name: str) -> None:
    """The class declares its name, channel, description and a documented config model."""
    cls = CONNECTORS[name]
    assert cls.name == name
    assert isinstance(cls.channel, Channel)
    assert isinstance(cls.description, str) and cls.description.strip()
    assert issubclass(cls.config_model, ConnectorConfig)
    schema = cls.config_model.model_json_schema()
    assert schema.get("additionalProperties") is False, "config must forbid unknown keys"
    if issubclass(cls, WebhookConnector):
        assert "secret" in schema.get("properties", {}), "a webhook config needs a secret"


@pytest.mark.parametrize("name", POLLING)
def test_polling_ids_are_stable_across_reads(name: str, tmp_path: Path) -> None:
    """Reading the same source twice from the start yields the same event ids (no Kafka)."""
    source = _polling_harness(name, tmp_path)
    settings = Settings(topic_prefix="conformance", pseudonym_key=PSEUDONYM_KEY)

    async def read_once() -> list[str]:
        sink = MemorySink(settings.topic("connect.offsets"))
        runtime = ConnectorRuntime(
            CONNECTORS[name],  # type: ignore[arg-type]
            _config(name, source.config()),
            settings,
            sink,
            MemorySink().load_positions,
            commit_interval=0.05,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        topic = raw_topic(settings, CONNECTORS[name].channel)
        await _until(lambda: len(sink.on(topic)) >= 3, "3 records", task)
        stop.set()
        await task
        return _ids(sink.on(topic))[:3]

    async def scenario() -> None:
        await source.start(3)
        try:
            first, second = await read_once(), await read_once()
        finally:
            await source.stop()
        assert first == second
        assert len(set(first)) == 3

    _run(scenario)


# --- checks against Kafka -------------------------------------------------------------------


@pytest.mark.kafka
@pytest.mark.parametrize("name", POLLING)
def test_records_reach_the_raw_topic(
    name: str, tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """Every record of the source is on the raw topic of the connector's channel."""
    settings = _settings(kafka_bootstrap, topic_prefix)
    source = _polling_harness(name, tmp_path)
    topic = raw_topic(settings, CONNECTORS[name].channel)

    with _sink(settings) as sink:

        async def scenario() -> None:
            await source.start(5)
            try:
                config = _config(name, source.config())
                async with _running(name, config, settings, sink, Health(name)) as task:
                    await _until(lambda: len(set(_ids(sink.on(topic)))) >= 5, "5 records", task)
            finally:
                await source.stop()

        _run(scenario)
    on_kafka = {record.key for record in read_topic(settings, topic)}
    assert len(on_kafka) >= 5
    assert {key.encode() for key in _ids(sink.on(topic))} <= on_kafka


@pytest.mark.kafka
@pytest.mark.parametrize("name", POLLING)
def test_restart_resumes_without_resending(
    name: str, tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """After a clean stop, a new run sends only the records added since."""
    settings = _settings(kafka_bootstrap, topic_prefix)
    source = _polling_harness(name, tmp_path)
    topic = raw_topic(settings, CONNECTORS[name].channel)
    runs: list[list[str]] = []

    with _sink(settings) as sink:

        async def one_run(expect: int) -> None:
            before = len(sink.acked)
            config = _config(name, source.config())
            async with _running(name, config, settings, sink, Health(name)) as task:

                def new_ids() -> list[str]:
                    return _ids([r for r in sink.acked[before:] if r.topic == topic])

                await _until(lambda: len(new_ids()) >= expect, f"{expect} records", task)
                await asyncio.sleep(0.5)  # time for wrongly re-sent records to show
            runs.append(new_ids())

        async def scenario() -> None:
            await source.start(4)
            try:
                await one_run(4)
                source.add_records(3)
                await one_run(3)
            finally:
                await source.stop()

        _run(scenario)
    first, second = runs
    resent = set(first) & set(second)
    assert not resent, f"the restart re-sent acknowledged records {sorted(resent)}"


@pytest.mark.kafka
@pytest.mark.parametrize("name", POLLING)
def test_bad_payload_goes_to_dead_letters_and_reading_goes_on(
    name: str, tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """A payload the connector cannot parse is dead-lettered; the records after it still flow."""
    settings = _settings(kafka_bootstrap, topic_prefix)
    source = _polling_harness(name, tmp_path)
    topic, dead = raw_topic(settings, CONNECTORS[name].channel), settings.topic("deadletter")

    with _sink(settings) as sink:

        async def scenario() -> None:
            await source.start(2)
            source.add_bad_record()
            source.add_records(2)
            try:
                config = _config(name, source.config())
                async with _running(name, config, settings, sink, Health(name)) as task:
                    await _until(
                        lambda: len(sink.on(topic)) >= 4 and len(sink.on(dead)) >= 1,
                        "4 records and a dead letter",
                        task,
                    )
            finally:
                await source.stop()

        _run(scenario)
    letters = read_topic(settings, dead)
    assert letters, "no dead letter on Kafka"
    headers = dict(letters[0].headers)
    assert headers["samenspel_stage"] == b"connector"
    assert headers["samenspel_original_topic"] == f"connector:{name}".encode()
    assert headers["samenspel_error_message"]


@pytest.mark.kafka
@pytest.mark.parametrize("name", POLLING)
def test_failing_source_is_retried_reported_unhealthy_and_recovers(
    name: str, tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """During an outage the runtime reports unhealthy and retries; afterwards records flow again."""
    settings = _settings(kafka_bootstrap, topic_prefix)
    source = _polling_harness(name, tmp_path)
    topic = raw_topic(settings, CONNECTORS[name].channel)
    health = Health(name)
    seen_down: list[bool] = []

    def retries() -> float:
        total = 0.0
        for metric in metrics.RETRIES.collect():
            for sample in metric.samples:
                if sample.labels.get("connector") == name and sample.name.endswith("_total"):
                    total += sample.value
        return total

    with _sink(settings) as sink:

        async def scenario() -> None:
            await source.start(2)
            try:
                config = _config(name, source.config())
                async with _running(name, config, settings, sink, health) as task:
                    await _until(lambda: len(sink.on(topic)) >= 2, "2 records", task)
                    retries_before = retries()
                    source.fail(1.5)
                    source.add_records(2)
                    deadline = time.monotonic() + 1.5
                    while time.monotonic() < deadline:
                        seen_down.append(not health.connected)
                        await asyncio.sleep(0.02)
                    recover = getattr(source, "recover", None)
                    if callable(recover):
                        recover()
                    await _until(lambda: len(sink.on(topic)) >= 4, "recovery", task)
                    await _until(lambda: health.connected, "healthy again", task)
                    assert retries() > retries_before, "no retry was counted"
            finally:
                await source.stop()

        _run(scenario)
    assert any(seen_down), "the runtime never reported unhealthy during the outage"


# --- webhook checks -------------------------------------------------------------------------


async def _post_all(
    name: str,
    settings: Settings,
    sink: RecordingSink,
    bodies: list[bytes],
) -> list[tuple[int, Any]]:
    body_harness = _webhook_harness(name)
    cls = CONNECTORS[name]
    assert issubclass(cls, WebhookConnector)
    endpoint = endpoint_for(cls(_config(name, body_harness.config())))
    receiver = WebhookReceiver({name: endpoint}, settings, sink)
    answers: list[tuple[int, Any]] = []
    async with TestClient(TestServer(build_app(receiver))) as client:
        for index, body in enumerate(bodies):
            # A distinct timestamp per request, so that re-sending a body is not a replay.
            timestamp = str(int(time.time()) - index) if endpoint.require_timestamp else None
            headers = {"X-Hub-Signature-256": sign(endpoint.secret, body, timestamp)}
            if timestamp is not None:
                headers["X-Samenspel-Timestamp"] = timestamp
            response = await client.post(f"/hooks/{name}", data=body, headers=headers)
            answers.append((response.status, await response.json()))
    return answers


@pytest.mark.parametrize("name", WEBHOOKS)
def test_webhook_ids_are_stable_and_distinct(name: str) -> None:
    """Parsing a body again (a sender's retry) gives the same ids; different bodies differ."""
    body_harness = _webhook_harness(name)
    cls = CONNECTORS[name]
    assert issubclass(cls, WebhookConnector)
    headers = {"Content-Type": "application/json"}

    def ids_of(body: bytes) -> list[str]:
        connector = cls(_config(name, body_harness.config()))
        return [r.event.id for r in connector.parse(body, headers) if isinstance(r, SourceRecord)]

    first, second = body_harness.bodies(2)
    assert ids_of(first), "a valid body gave no records"
    assert ids_of(first) == ids_of(first)
    assert not set(ids_of(first)) & set(ids_of(second))


@pytest.mark.kafka
@pytest.mark.parametrize("name", WEBHOOKS)
def test_webhook_batch_reaches_kafka(name: str, kafka_bootstrap: str, topic_prefix: str) -> None:
    """Signed bodies are answered 200 only once their records are on Kafka."""
    settings = _settings(kafka_bootstrap, topic_prefix)
    topic = raw_topic(settings, CONNECTORS[name].channel)
    with _sink(settings) as sink:
        answers: list[tuple[int, Any]] = []

        async def scenario() -> None:
            answers.extend(await _post_all(name, settings, sink, _webhook_harness(name).bodies(2)))

        _run(scenario)
    assert [status for status, _ in answers] == [200, 200], answers
    acked = {record.key for record in sink.on(topic)}
    assert len(acked) >= 2
    assert acked <= {record.key for record in read_topic(settings, topic)}


@pytest.mark.kafka
@pytest.mark.parametrize("name", WEBHOOKS)
def test_webhook_bad_body_is_dead_lettered_or_refused(
    name: str, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """A bad body is never silently dropped: 400, or dead-lettered; the next good body works."""
    settings = _settings(kafka_bootstrap, topic_prefix)
    body_harness = _webhook_harness(name)
    with _sink(settings) as sink:
        answers: list[tuple[int, Any]] = []

        async def scenario() -> None:
            bodies = [body_harness.bad_body(), *body_harness.bodies(1)]
            answers.extend(await _post_all(name, settings, sink, bodies))

        _run(scenario)
    (bad_status, bad_answer), (good_status, _) = answers
    assert good_status == 200
    if bad_status == 400:
        assert not sink.on(settings.topic("deadletter"))
    else:
        assert bad_status == 200 and bad_answer["dead_lettered"] >= 1, answers[0]
        letters = read_topic(settings, settings.topic("deadletter"))
        assert dict(letters[0].headers)["samenspel_original_topic"] == f"connector:{name}".encode()
