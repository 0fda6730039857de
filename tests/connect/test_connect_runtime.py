"""The connector runtime against an in-memory sink: delivery, positions, retries, dead letters."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import orjson
import pytest

from connectors.contract import Connector, NotConnected, RetryLater
from connectors.testing.fakes import MemorySink, ScriptedConfig, ScriptedSource, scripted_connector
from pipeline.connect.backoff import Backoff
from pipeline.connect.http import Health
from pipeline.connect.runtime import ConnectorRuntime
from pipeline.errors import SamenspelError
from pipeline.settings import Settings
from schemas import Channel

SETTINGS = Settings(topic_prefix="t", pseudonym_key="x" * 32)


def _runtime(
    source: ScriptedSource,
    sink: MemorySink,
    cls: type[Connector[Any]] | None = None,
    backoff: Backoff | None = None,
    **kwargs: object,
) -> ConnectorRuntime:
    return ConnectorRuntime(
        cls or scripted_connector(source),
        ScriptedConfig(),
        SETTINGS,
        sink,
        sink.load_positions,
        backoff=backoff or Backoff(base=0.01, cap=0.02, rng=random.Random(1)),
        commit_interval=0.01,
        **kwargs,  # type: ignore[arg-type]
    )


def _ids(sink: MemorySink, topic: str = "t.raw.phone") -> list[str]:
    return [orjson.loads(record.value)["id"] for record in sink.on(topic)]


def _stored(sink: MemorySink) -> list[object]:
    return [orjson.loads(record.value)["position"] for record in sink.on("t.connect.offsets")]


def run(coro: object) -> None:
    asyncio.run(asyncio.wait_for(coro, timeout=10))  # type: ignore[arg-type]


def test_records_reach_raw_topic_keyed_by_id_and_position_is_stored_after() -> None:
    """Every event is produced as JSON keyed by its id, then the final position is stored."""
    source, sink = ScriptedSource(count=5), MemorySink(offsets_topic="t.connect.offsets")
    run(_runtime(source, sink).run())
    raw = sink.on("t.raw.phone")
    assert [r.key for r in raw] == [f"scripted-{i}".encode() for i in range(5)]
    assert orjson.loads(raw[0].value)["text"] == "melding 0"
    assert _stored(sink)[-1] == 5
    for index, record in enumerate(sink.produced):
        if record.topic == "t.connect.offsets":
            acked_before = sum(1 for r in sink.produced[:index] if r.topic == "t.raw.phone")
            assert orjson.loads(record.value)["position"] <= acked_before
    assert source.closes == 1


def test_restart_resumes_from_stored_position_without_resending() -> None:
    """A second run gets the stored position and sends only the new records."""
    sink = MemorySink(offsets_topic="t.connect.offsets")
    run(_runtime(ScriptedSource(count=3), sink).run())
    second = ScriptedSource(count=6)
    run(_runtime(second, sink).run())
    assert second.connects[0] == {"default": 3}
    assert _ids(sink) == [f"scripted-{i}" for i in range(6)]


def test_bad_record_goes_to_dead_letters_with_headers_and_reading_goes_on() -> None:
    """A BadRecord is dead-lettered with samenspel_* headers; the records after it still flow."""
    source, sink = ScriptedSource(count=4, bad_at={1}), MemorySink("t.connect.offsets")
    run(_runtime(source, sink).run())
    assert _ids(sink) == ["scripted-0", "scripted-2", "scripted-3"]
    (dead,) = sink.on("t.deadletter")
    headers = dict(dead.headers)
    assert dead.value == b"kapot 1"
    assert headers["samenspel_stage"] == b"connector"
    assert headers["samenspel_error_class"] == b"BadRecord"
    assert headers["samenspel_error_message"] == b"not JSON"
    assert headers["samenspel_original_topic"] == b"connector:scripted"
    assert headers["samenspel_worker"].startswith(b"connect:scripted@")
    assert b"T" in headers["samenspel_failed_at"]
    assert _stored(sink)[-1] == 4


class RecordingHealth(Health):
    """Health that remembers every transition, so brief states are not missed by sampling."""

    def __init__(self) -> None:
        super().__init__("scripted")
        self.transitions: list[str] = []

    def up(self) -> None:
        super().up()
        self.transitions.append("up")

    def down(self, detail: str) -> None:
        super().down(detail)
        self.transitions.append(f"down: {detail}")


def test_retry_later_backs_off_reports_unhealthy_and_continues_without_reconnect() -> None:
    """RetryLater pauses reading (unhealthy meanwhile) and then resumes on the same connection."""
    source = ScriptedSource(count=4, script={2: RetryLater("rate limited", retry_after=0.2)})
    sink = MemorySink("t.connect.offsets")
    health = RecordingHealth()
    backoff = Backoff(base=0.01, cap=1.0)  # the cap must not cut the 0.2 s hint short
    started = time.monotonic()
    run(_runtime(source, sink, backoff=backoff, health=health).run())
    assert time.monotonic() - started >= 0.2
    assert health.transitions == ["up", "down: retry later: rate limited", "up", "down: stopped"]
    assert len(source.connects) == 1
    assert _ids(sink) == [f"scripted-{i}" for i in range(4)]


def test_not_connected_reconnects_a_new_instance_from_stored_positions() -> None:
    """NotConnected closes the connector and connects a new one at the acknowledged position."""
    source = ScriptedSource(count=5, script={3: NotConnected("socket closed")})
    sink = MemorySink("t.connect.offsets")
    run(_runtime(source, sink).run())
    assert len(source.connects) == 2
    assert source.connects[1]["default"] == 3
    assert source.closes == 2
    assert _ids(sink) == [f"scripted-{i}" for i in range(5)]


def test_kafka_failure_stores_no_position_and_resends_after_recovery() -> None:
    """While the sink fails no position is stored; after it recovers every record arrives."""
    source = ScriptedSource(count=3, follow=True, end_with_signal=False)
    sink = MemorySink("t.connect.offsets", failing=True)
    health = Health("scripted")

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(_runtime(source, sink, health=health).run(stop))
        await asyncio.sleep(0.2)
        assert not health.connected
        assert sink.produced == []
        sink.failing = False
        for _ in range(100):
            if len(_ids(sink)) >= 3 and _stored(sink):
                break
            await asyncio.sleep(0.01)
        stop.set()
        await task

    run(scenario())
    assert sorted(set(_ids(sink))) == [f"scripted-{i}" for i in range(3)]
    assert _stored(sink)[-1] == 3


def test_stop_flushes_stores_positions_and_closes() -> None:
    """Setting stop while the source waits for data stores the position and closes the source."""
    source = ScriptedSource(count=2, follow=True, end_with_signal=False)
    sink = MemorySink("t.connect.offsets", delay=0.01)

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(_runtime(source, sink).run(stop))
        while len(_ids(sink)) < 2:
            await asyncio.sleep(0.01)
        stop.set()
        await task

    run(scenario())
    assert _stored(sink)[-1] == 2
    assert source.closes == 1


def test_email_and_field_channels_use_the_web_and_neighbourhood_raw_topics() -> None:
    """Channels without a raw topic of their own go to raw.web and raw.neighbourhood."""
    for channel, topic in ((Channel.EMAIL, "t.raw.web"), (Channel.FIELD, "t.raw.neighbourhood")):
        sink = MemorySink("t.connect.offsets")
        run(_runtime(ScriptedSource(count=1, channel=channel), sink).run())
        assert _ids(sink, topic) == ["scripted-0"]


def test_connector_bug_is_raised_after_storing_acknowledged_positions() -> None:
    """An unexpected exception stops the runtime and surfaces, but acknowledged work is kept."""
    source = ScriptedSource(count=4, script={2: KeyError("bug")})
    sink = MemorySink("t.connect.offsets")
    with pytest.raises(KeyError):
        run(_runtime(source, sink).run())
    assert _stored(sink)[-1] == 2


def test_refuses_to_start_without_pseudonym_key() -> None:
    """The privacy policy: no pseudonym key, no connector."""
    settings = Settings(topic_prefix="t", pseudonym_key=None)
    with pytest.raises(SamenspelError, match="SAMENSPEL_PSEUDONYM_KEY"):
        ConnectorRuntime(
            scripted_connector(ScriptedSource(count=1)),
            ScriptedConfig(),
            settings,
            MemorySink(),
            MemorySink().load_positions,
        )


def test_stop_ends_the_run_while_the_source_keeps_failing() -> None:
    """A stop request is honoured even while the runtime is in its reconnect loop."""
    source = ScriptedSource(count=1)
    failing = scripted_connector(source)

    async def always_down(self: object) -> object:
        raise NotConnected("down")
        yield  # an async generator

    failing.read = always_down  # type: ignore[method-assign, assignment]
    sink = MemorySink("t.connect.offsets")
    runtime = ConnectorRuntime(
        failing,
        ScriptedConfig(),
        SETTINGS,
        sink,
        sink.load_positions,
        backoff=Backoff(base=0.001, cap=0.002),
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.sleep(0.3)
        stop.set()
        await asyncio.wait_for(task, timeout=2)

    run(scenario())
    assert len(source.connects) > 5
    assert source.closes == len(source.connects)


def test_retry_later_from_connect_is_retried() -> None:
    """A source that is rate limited at connect time is connected again after the pause."""
    source = ScriptedSource(count=2)
    cls = scripted_connector(source)
    original = cls.connect
    attempts: list[int] = []

    async def limited_connect(self: object, positions: object) -> None:
        attempts.append(1)
        if len(attempts) == 1:
            raise RetryLater("429", retry_after=0.01)
        await original(self, positions)  # type: ignore[arg-type]

    cls.connect = limited_connect  # type: ignore[method-assign, assignment]
    sink = MemorySink("t.connect.offsets")
    run(_runtime(source, sink, cls).run())
    assert len(attempts) == 2
    assert _ids(sink) == ["scripted-0", "scripted-1"]
