"""Every shipped connector end to end: sample payload -> real runtime or receiver -> Kafka -> worker
-> tagged interaction on the feed, with no identifier of the sample left in it.

One worker serves the whole module on a prefix of its own; each connector gets a distinct
``source`` so that its interactions can be told apart on the shared feed.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, Protocol

import phonenumbers
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import JsonValue
from stdnum.nl import bsn

from connectors.contract import Connector, WebhookConnector
from connectors.registry import load_connectors
from connectors.testing.conformance import RecordingSink
from connectors.testing.harness import AsteriskHarness, FakeDecidim, FakeMastodon
from pipeline.connect.backoff import Backoff
from pipeline.connect.kafka import KafkaSink, position_loader
from pipeline.connect.records import raw_topic
from pipeline.connect.runtime import ConnectorRuntime
from pipeline.connect.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from pipeline.connect.webhooks import WebhookReceiver, build_app, endpoint_for
from pipeline.settings import Settings
from schemas import (
    CitizenRole,
    Interaction,
    MunicipalityRole,
    Perspective,
    RawEvent,
    interaction_id,
)
from tests.conftest import TEST_KEY
from tests.kafka_helpers import (
    WorkerProcess,
    create_topics,
    read_topic,
    start_worker,
    topic_size,
    wait_for_size,
)

pytestmark = pytest.mark.kafka

DATA = Path(__file__).resolve().parents[1] / "data"
CONNECTORS = load_connectors()
SAMPLE_DIRS = {
    "asterisk-cdr": "asterisk",
    "cti-webhook": "cti",
    "decidim": "decidim",
    "mastodon": "mastodon",
    "meta-webhook": "meta",
    "neighbourhood-webhook": "neighbourhood",
    "open-forms-webhook": "open_forms",
    "queue-webhook": "queue",
    "webchat-webhook": "webchat",
}
"""Where each connector's sample payloads live under tests/data."""

QUIET_S = 1.0  # a polling run is done when nothing new was acknowledged for this long
RUN_TIMEOUT_S = 20.0
FEED_TIMEOUT_S = 30.0
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
NINE_DIGITS = re.compile(r"(?<!\d)\d{9}(?!\d)")


class FakeSource(Protocol):
    """What the e2e test needs of a harness: the config pointing at it, and a way to stop it."""

    def config(self) -> dict[str, JsonValue]: ...

    async def stop(self) -> None: ...


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def settings(kafka_bootstrap: str) -> Settings:
    """Settings on a fresh prefix shared by the module's worker, runtimes and receivers."""
    return Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=f"e2e{uuid.uuid4().hex[:10]}",
        pseudonym_key=TEST_KEY,
    )


@pytest.fixture(scope="module")
def worker(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WorkerProcess]:
    """One real worker process for the module, started once its topics exist."""
    create_topics(settings)
    process = start_worker(settings, tmp_path_factory.mktemp("e2e") / "worker.log")
    try:
        process.wait_ready()
        yield process
    finally:
        process.stop()


# --- samples and what must not leak -----------------------------------------------------------


def sample_files(name: str) -> list[Path]:
    """The connector's sample payload files; a connector without samples fails, never skips."""
    folder = SAMPLE_DIRS.get(name)
    if folder is None or not (DATA / folder).is_dir():
        pytest.fail(f"connector {name!r} has no sample payloads under tests/data (SAMPLE_DIRS)")
    return sorted(p for p in (DATA / folder).iterdir() if p.is_file())


def identifiers_in(text: str) -> set[str]:
    """Phone numbers (as written and in E.164), e-mail addresses and valid BSNs in ``text``."""
    found = set(EMAIL.findall(text))
    found |= {m for m in NINE_DIGITS.findall(text) if bsn.is_valid(m)}
    for match in phonenumbers.PhoneNumberMatcher(text, "NL"):
        found.add(match.raw_string)
        found.add(phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164))
    return found


def sample_identifiers(name: str) -> set[str]:
    """Every identifier in any of the connector's sample files."""
    found: set[str] = set()
    for path in sample_files(name):
        found |= identifiers_in(path.read_text(encoding="utf-8"))
    return found


# --- driving the connectors ----------------------------------------------------------------


async def _asterisk(tmp_path: Path) -> FakeSource:
    source = AsteriskHarness(tmp_path / "cdr")
    await source.start(0)
    source.path.write_bytes((DATA / "asterisk" / "Master.csv").read_bytes())
    return source


async def _mastodon(tmp_path: Path) -> FakeSource:
    source = FakeMastodon()
    for status in json.loads((DATA / "mastodon" / "statuses.json").read_bytes()):
        source.add_status(status, mention=bool(status.get("mentions")))
    await source.start(0)
    return source


async def _decidim(tmp_path: Path) -> FakeSource:
    sample = json.loads((DATA / "decidim" / "proposals.json").read_bytes())
    proposals = next(c["id"] for c in sample["components"] if c["__typename"] == "Proposals")
    source = FakeDecidim(process_id=sample["process"]["id"], component_id=proposals)
    source.proposals.extend(sample["proposals"])
    await source.start(0)
    return source


POLLING_SOURCES: dict[str, Callable[[Path], Awaitable[FakeSource]]] = {
    "asterisk-cdr": _asterisk,
    "mastodon": _mastodon,
    "decidim": _decidim,
}
"""A local fake of each polling connector's source, loaded with that connector's samples."""


def _source_name(name: str) -> str:
    return f"e2e-{name}"


async def _until_quiet(sink: RecordingSink, topics: set[str], task: asyncio.Task[None]) -> None:
    """Wait until the runtime ends, or acknowledged something and then nothing for QUIET_S."""
    deadline = time.monotonic() + RUN_TIMEOUT_S
    count, changed = 0, time.monotonic()
    while not task.done():
        now = time.monotonic()
        current = sum(1 for record in sink.acked if record.topic in topics)
        if current != count:
            count, changed = current, now
        elif count and now - changed >= QUIET_S:
            return
        assert now < deadline, f"the runtime acknowledged {count} record(s), then timed out"
        await asyncio.sleep(0.05)


async def run_polling(name: str, settings: Settings, tmp_path: Path) -> RecordingSink:
    """Run the real runtime against the loaded fake source until the samples are acknowledged."""
    if name not in POLLING_SOURCES:
        pytest.fail(f"polling connector {name!r} has no local fake source in POLLING_SOURCES")
    cls = CONNECTORS[name]
    assert issubclass(cls, Connector)
    source = await POLLING_SOURCES[name](tmp_path)
    sink = RecordingSink(KafkaSink(settings, client_id=f"e2e-{name}"))
    try:
        config = cls.config_model.model_validate({**source.config(), "source": _source_name(name)})
        runtime = ConnectorRuntime(
            cls,
            config,
            settings,
            sink,
            position_loader(settings),
            backoff=Backoff(base=0.05, cap=0.5),
            commit_interval=0.1,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        topics = {raw_topic(settings, cls.channel), settings.topic("deadletter")}
        try:
            await _until_quiet(sink, topics, task)
        finally:
            stop.set()
            await asyncio.wait_for(task, RUN_TIMEOUT_S)
    finally:
        await source.stop()
        await sink.inner.close()
    return sink


async def post_samples(name: str, settings: Settings) -> RecordingSink:
    """POST every sample file, signed as the receiver expects, to the real receiver app."""
    cls = CONNECTORS[name]
    assert issubclass(cls, WebhookConnector)
    config = cls.config_model.model_validate(
        {"secret": f"e2e-secret-{name}", "source": _source_name(name)}
    )
    endpoint = endpoint_for(cls(config))
    sink = RecordingSink(KafkaSink(settings, client_id=f"e2e-{name}"))
    receiver = WebhookReceiver({name: endpoint}, settings, sink)
    try:
        async with TestClient(TestServer(build_app(receiver))) as client:
            for path in sample_files(name):
                body = path.read_bytes()
                timestamp = str(int(time.time())) if endpoint.require_timestamp else None
                headers = {SIGNATURE_HEADER: sign(endpoint.secret, body, timestamp)}
                if timestamp is not None:
                    headers[TIMESTAMP_HEADER] = timestamp
                response = await client.post(f"/hooks/{name}", data=body, headers=headers)
                answer: Any = await response.json()
                assert response.status == 200, f"{path.name}: {response.status} {answer}"
    finally:
        await sink.inner.close()
    return sink


# --- the test -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CONNECTORS))
def test_sample_payloads_reach_the_feed_tagged_and_pseudonymised(
    name: str, settings: Settings, worker: WorkerProcess, tmp_path: Path
) -> None:
    """The connector's samples become one tagged, pseudonymised interaction per produced record."""
    cls = CONNECTORS[name]
    feed_topic = settings.topic("interactions")
    before = topic_size(settings, feed_topic)
    if issubclass(cls, WebhookConnector):
        sink = asyncio.run(post_samples(name, settings))
    else:
        sink = asyncio.run(run_polling(name, settings, tmp_path))

    raw = [RawEvent.model_validate_json(r.value) for r in sink.on(raw_topic(settings, cls.channel))]
    assert raw, f"{name} produced no records from its samples"
    by_id = {interaction_id(event.source, event.id): event for event in raw}
    wait_for_size(settings, feed_topic, before + len(by_id), timeout_s=FEED_TIMEOUT_S)
    feed = read_topic(settings, feed_topic, expect=before + len(by_id), timeout_s=FEED_TIMEOUT_S)
    assert worker.process.poll() is None, worker.log_tail()

    parsed = [(r.value or b"", Interaction.model_validate_json(r.value or b"")) for r in feed]
    mine = [(value, i) for value, i in parsed if i.source == _source_name(name)]
    assert sorted(i.id for _, i in mine) == sorted(by_id), "one interaction per produced record"
    leaks = sample_identifiers(name) | {event.party for event in raw if event.party}
    for value, interaction in mine:
        assert interaction.channel is cls.channel
        tags = interaction.tags
        assert isinstance(tags.perspective, Perspective)
        assert isinstance(tags.citizen_role, CitizenRole)
        assert isinstance(tags.municipality_role, MunicipalityRole)
        assert tags.reasons and tags.tagger_version
        text = value.decode()
        assert not [leak for leak in leaks if leak in text], f"identifier on the feed: {text}"
        if by_id[interaction.id].party:
            assert interaction.party is not None and interaction.party.startswith("k1:")
        else:
            assert interaction.party is None
