"""The webhook receiver over HTTP (aiohttp test client) with an in-memory sink."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
import pytest
from aiohttp.test_utils import TestClient, TestServer

from connectors.testing.fakes import EchoWebhook, EchoWebhookConfig, MemorySink
from pipeline.connect.signature import sign
from pipeline.connect.webhooks import WebhookReceiver, build_app, endpoint_for
from pipeline.errors import SamenspelError
from pipeline.settings import Settings

SETTINGS = Settings(topic_prefix="t", pseudonym_key="x" * 32)
SECRET = b"geheim-sleutel"
NOW = 1_800_000_000.0
BODY = orjson.dumps([{"id": "m1", "text": "Lantaarnpaal kapot"}, {"id": "m2", "text": "Dank!"}])


class Clock:
    """A settable clock, so that the timestamp window is tested without waiting."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> float:
        return self.now


Client = TestClient[Any, Any]
Scenario = Callable[[Client], Awaitable[None]]


@pytest.fixture
def sink() -> MemorySink:
    return MemorySink("t.connect.offsets")


@pytest.fixture
def clock() -> Clock:
    return Clock()


def with_client(
    sink: MemorySink,
    clock: Clock,
    scenario: Scenario,
    require_timestamp: bool = True,
    max_body: int = 1024 * 1024,
) -> None:
    """Serve the echo webhook on a test server and run ``scenario`` against it."""

    async def main() -> None:
        config = EchoWebhookConfig(
            secret=SECRET.decode(), verify_token="tok", require_timestamp=require_timestamp
        )
        endpoint = endpoint_for(EchoWebhook(config))
        receiver = WebhookReceiver({"echo": endpoint}, SETTINGS, sink, clock=clock)
        async with TestClient(TestServer(build_app(receiver, max_body=max_body))) as client:
            await scenario(client)

    asyncio.run(main())


def signed(body: bytes, ts: float | None = NOW, secret: bytes = SECRET) -> dict[str, str]:
    timestamp = None if ts is None else str(int(ts))
    headers = {"X-Hub-Signature-256": sign(secret, body, timestamp)}
    if timestamp is not None:
        headers["X-Samenspel-Timestamp"] = timestamp
    return headers


def test_good_signature_is_ingested_and_acknowledged(sink: MemorySink, clock: Clock) -> None:
    """A correctly signed batch lands on the raw topic before the 200 answer."""

    async def scenario(client: Client) -> None:
        response = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        assert response.status == 200
        assert await response.json() == {"accepted": 2, "dead_lettered": 0}
        assert [r.key for r in sink.on("t.raw.web")] == [b"m1", b"m2"]

    with_client(sink, clock, scenario)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64, "X-Samenspel-Timestamp": str(int(NOW))},
        {"X-Hub-Signature-256": signed(BODY)["X-Hub-Signature-256"].replace("sha256=", "sha1=")},
        signed(BODY, secret=b"other-key"),
        {"X-Hub-Signature-256": signed(BODY)["X-Hub-Signature-256"]},
    ],
    ids=["missing", "bad", "wrong-algorithm-prefix", "wrong-key", "timestamp-removed"],
)
def test_unauthentic_requests_get_401_and_nothing_is_ingested(
    sink: MemorySink, headers: dict[str, str], clock: Clock
) -> None:
    """Missing, wrong or tampered signatures are refused before parsing."""

    async def scenario(client: Client) -> None:
        response = await client.post("/hooks/echo", data=BODY, headers=headers)
        assert response.status == 401
        assert sink.produced == []

    with_client(sink, clock, scenario)


def test_tampered_body_gets_401(sink: MemorySink, clock: Clock) -> None:
    """The signature covers the body: changing one byte breaks it."""

    async def scenario(client: Client) -> None:
        response = await client.post(
            "/hooks/echo", data=BODY.replace(b"Dank", b"Bank"), headers=signed(BODY)
        )
        assert response.status == 401
        assert sink.produced == []

    with_client(sink, clock, scenario)


def test_timestamp_outside_window_gets_401(sink: MemorySink, clock: Clock) -> None:
    """A correctly signed but old request (a replay after the window) is refused."""

    async def scenario(client: Client) -> None:
        headers = signed(BODY)
        clock.now = NOW + 301
        response = await client.post("/hooks/echo", data=BODY, headers=headers)
        assert response.status == 401
        assert sink.produced == []

    with_client(sink, clock, scenario)


def test_replay_within_window_gets_409(sink: MemorySink, clock: Clock) -> None:
    """The same signed request twice is ingested once."""

    async def scenario(client: Client) -> None:
        first = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        second = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        assert (first.status, second.status) == (200, 409)
        assert len(sink.on("t.raw.web")) == 2

    with_client(sink, clock, scenario)


def test_meta_style_body_only_signature_when_timestamp_not_required(
    sink: MemorySink, clock: Clock
) -> None:
    """With require_timestamp false, a signature over the body alone is accepted."""

    async def scenario(client: Client) -> None:
        response = await client.post("/hooks/echo", data=BODY, headers=signed(BODY, ts=None))
        assert response.status == 200
        assert len(sink.on("t.raw.web")) == 2

    with_client(sink, clock, scenario, require_timestamp=False)


def test_oversized_body_gets_413(sink: MemorySink, clock: Clock) -> None:
    """A body over the limit is refused without being read in full."""

    async def scenario(client: Client) -> None:
        big = orjson.dumps([{"id": "x", "text": "a" * 2000}])
        response = await client.post("/hooks/echo", data=big, headers=signed(big))
        assert response.status == 413
        assert sink.produced == []

    with_client(sink, clock, scenario, max_body=1024)


def test_unknown_connector_gets_404(sink: MemorySink, clock: Clock) -> None:
    """Only configured connectors are served."""

    async def scenario(client: Client) -> None:
        response = await client.post("/hooks/nope", data=BODY, headers=signed(BODY))
        assert response.status == 404

    with_client(sink, clock, scenario)


def test_unparseable_body_gets_400_and_bad_items_go_to_dead_letters(
    sink: MemorySink, clock: Clock
) -> None:
    """A body that is no batch at all is a 400; a bad item inside a batch is dead-lettered."""

    async def scenario(client: Client) -> None:
        junk = b"{not json"
        assert (await client.post("/hooks/echo", data=junk, headers=signed(junk))).status == 400
        mixed = orjson.dumps([{"id": "ok", "text": "goed"}, {"id": "bad"}])
        response = await client.post("/hooks/echo", data=mixed, headers=signed(mixed))
        assert await response.json() == {"accepted": 1, "dead_lettered": 1}
        (dead,) = sink.on("t.deadletter")
        assert dict(dead.headers)["samenspel_original_topic"] == b"connector:echo"
        assert orjson.loads(dead.value) == {"id": "bad"}

    with_client(sink, clock, scenario)


def test_kafka_failure_answers_503_and_the_retry_is_accepted(
    sink: MemorySink, clock: Clock
) -> None:
    """No 2xx before Kafka acknowledged; the sender's retry with the same signature then works."""

    async def scenario(client: Client) -> None:
        sink.failing = True
        failed = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        assert failed.status == 503
        assert (await client.get("/health")).status == 503
        sink.failing = False
        retried = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        assert retried.status == 200
        assert (await client.get("/health")).status == 200

    with_client(sink, clock, scenario)


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [
        ("hub.mode=subscribe&hub.verify_token=tok&hub.challenge=42", 200, "42"),
        ("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=42", 403, None),
        ("hub.mode=unsubscribe&hub.verify_token=tok&hub.challenge=42", 403, None),
    ],
)
def test_meta_handshake(
    query: str, status: int, text: str | None, sink: MemorySink, clock: Clock
) -> None:
    """The subscribe handshake echoes the challenge only for the right token."""

    async def scenario(client: Client) -> None:
        response = await client.get(f"/hooks/echo?{query}")
        assert response.status == status
        if text is not None:
            assert await response.text() == text

    with_client(sink, clock, scenario)


def test_metrics_count_requests_by_status(sink: MemorySink, clock: Clock) -> None:
    """The metrics page reports webhook requests per connector and status."""

    async def scenario(client: Client) -> None:
        await client.post("/hooks/echo", data=BODY, headers={})
        page = await (await client.get("/metrics")).text()
        assert 'samenspel_webhook_requests_total{connector="echo",status="401"}' in page

    with_client(sink, clock, scenario)


def test_connector_without_secret_is_refused() -> None:
    """A webhook connector must have a secret to be served."""
    connector = EchoWebhook(EchoWebhookConfig.model_construct(secret=None))
    with pytest.raises(SamenspelError, match="no secret"):
        endpoint_for(connector)


def test_a_crashing_parser_answers_500_and_the_retry_is_no_replay(
    sink: MemorySink, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A connector bug stores nothing; the sender's retry must not be refused with 409."""
    original = EchoWebhook.parse
    calls = []

    def parse_once_broken(self: EchoWebhook, body: bytes, headers: Any) -> Any:
        calls.append(body)
        if len(calls) == 1:
            raise RuntimeError("connector bug")
        return original(self, body, headers)

    monkeypatch.setattr(EchoWebhook, "parse", parse_once_broken)

    async def scenario(client: Client) -> None:
        failed = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        assert failed.status == 500 and sink.produced == []
        retried = await client.post("/hooks/echo", data=BODY, headers=signed(BODY))
        assert retried.status == 200
        assert [r.key for r in sink.on("t.raw.web")] == [b"m1", b"m2"]

    with_client(sink, clock, scenario)


def test_a_non_ascii_digit_timestamp_gets_401(sink: MemorySink, clock: Clock) -> None:
    """'²' passes str.isdigit but is no unix time: refused as unauthentic, not a 500."""
    headers = {"X-Hub-Signature-256": sign(SECRET, BODY, "²"), "X-Samenspel-Timestamp": "²"}

    async def scenario(client: Client) -> None:
        response = await client.post("/hooks/echo", data=BODY, headers=headers)
        assert response.status == 401 and sink.produced == []

    with_client(sink, clock, scenario)
