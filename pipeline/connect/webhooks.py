"""The webhook receiver: ``POST /hooks/<name>`` for every configured webhook connector.

A request is answered 2xx only after Kafka acknowledged every record it carried, so a sender
that gets no 2xx retries and nothing is lost. See docs/connectors.md for the signature scheme.
"""

from __future__ import annotations

import asyncio
import hmac
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from pydantic import SecretStr

from connectors.contract import BadRecord, SourceRecord, WebhookConnector
from pipeline.connect import metrics
from pipeline.connect.http import Health, add_ops_routes
from pipeline.connect.records import Outgoing, dead_letter_record, event_record
from pipeline.connect.runtime import require_pseudonym_key
from pipeline.connect.signature import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WINDOW_S,
    ReplayCache,
    SignatureError,
    verify,
)
from pipeline.connect.sink import Sink, SinkError
from pipeline.errors import SamenspelError
from pipeline.logs import get_logger
from pipeline.settings import Settings

DEFAULT_MAX_BODY = 1024 * 1024
_log = get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One served connector with what authenticates its requests."""

    connector: WebhookConnector[Any]
    secret: bytes
    verify_token: str | None
    require_timestamp: bool


def endpoint_for(connector: WebhookConnector[Any]) -> Endpoint:
    """Read ``secret``, ``verify_token`` and ``require_timestamp`` from the connector's config."""
    config = connector.config
    secret = getattr(config, "secret", None)
    if isinstance(secret, SecretStr):
        secret = secret.get_secret_value()
    if not isinstance(secret, str) or not secret:
        raise SamenspelError(f"webhook connector {connector.name!r} has no secret configured")
    token = getattr(config, "verify_token", None)
    return Endpoint(
        connector=connector,
        secret=secret.encode(),
        verify_token=token if isinstance(token, str) and token else None,
        require_timestamp=bool(getattr(config, "require_timestamp", True)),
    )


class WebhookReceiver:
    """The request handlers; state (replay cache, health) lives here, not in globals."""

    def __init__(
        self,
        endpoints: Mapping[str, Endpoint],
        settings: Settings,
        sink: Sink,
        *,
        window: float = WINDOW_S,
        clock: Callable[[], float] = time.time,
        worker: str | None = None,
    ) -> None:
        require_pseudonym_key(settings)
        self.endpoints = dict(endpoints)
        self.settings = settings
        self.sink = sink
        self.window = window
        self.clock = clock
        self.worker = worker or f"webhooks@{socket.gethostname()}"
        self.replays = ReplayCache(window)
        self.health = Health("webhooks")
        self.health.up()

    async def receive(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        try:
            response = await self._receive(name, request)
        except web.HTTPException as exc:  # 413 from reading an oversized body
            metrics.WEBHOOK_REQUESTS.labels(connector=name, status=str(exc.status)).inc()
            raise
        metrics.WEBHOOK_REQUESTS.labels(connector=name, status=str(response.status)).inc()
        return response

    async def _receive(self, name: str, request: web.Request) -> web.Response:
        endpoint = self.endpoints.get(name)
        if endpoint is None:
            return _error(404, f"no webhook connector {name!r}")
        body = await request.read()
        signature = request.headers.get(SIGNATURE_HEADER)
        try:
            verify(
                endpoint.secret,
                body,
                signature,
                request.headers.get(TIMESTAMP_HEADER),
                require_timestamp=endpoint.require_timestamp,
                now=self.clock(),
                window=self.window,
            )
        except SignatureError as exc:
            _log.warning("webhook refused", connector=name, reason=str(exc))
            return _error(401, str(exc))
        assert signature is not None
        replay_key = f"{name}:{signature}"
        if not self.replays.reserve(replay_key, self.clock()):
            return _error(409, "replayed request")
        try:
            records = endpoint.connector.parse(body, request.headers)
        except ValueError as exc:
            self.replays.release(replay_key)
            return _error(400, f"cannot parse body: {type(exc).__name__}")
        except Exception as exc:  # a connector bug: nothing is stored, so a retry is no replay
            self.replays.release(replay_key)
            _log.error("webhook parse failed", connector=name, error_class=type(exc).__name__)
            return _error(500, "cannot parse body: internal error, nothing stored")
        try:
            await self._ingest(name, records)
        except SinkError as exc:
            self.replays.release(replay_key)
            self.health.down(f"kafka: {exc}")
            _log.warning("webhook not ingested", connector=name, error=str(exc))
            return _error(503, "not stored, retry later")
        self.health.up()
        bad = sum(1 for record in records if isinstance(record, BadRecord))
        return web.json_response({"accepted": len(records) - bad, "dead_lettered": bad})

    async def _ingest(self, name: str, records: list[SourceRecord | BadRecord]) -> None:
        """Send every record and wait until each is acknowledged; raise SinkError otherwise."""
        outgoing: list[Outgoing] = [
            event_record(self.settings, record)
            if isinstance(record, SourceRecord)
            else dead_letter_record(self.settings, name, record, self.worker)
            for record in records
        ]
        results = await asyncio.gather(
            *(self.sink.send(o.topic, o.key, o.value, o.headers) for o in outgoing),
            return_exceptions=True,
        )
        errors = [result for result in results if isinstance(result, BaseException)]
        if errors:
            raise SinkError(f"{len(errors)} of {len(results)} record(s) not acknowledged")
        channel = self.endpoints[name].connector.channel.value
        for record in records:
            if isinstance(record, SourceRecord):
                metrics.RECORDS_PRODUCED.labels(connector=name, channel=channel).inc()
            else:
                metrics.DEAD_LETTERS.labels(connector=name).inc()

    async def handshake(self, request: web.Request) -> web.Response:
        """Meta's subscription check: echo ``hub.challenge`` when ``hub.verify_token`` matches."""
        endpoint = self.endpoints.get(request.match_info["name"])
        if endpoint is None:
            return _error(404, "no such webhook connector")
        query = request.query
        token = query.get("hub.verify_token", "")
        if (
            query.get("hub.mode") == "subscribe"
            and endpoint.verify_token is not None
            and _same(token, endpoint.verify_token)
        ):
            return web.Response(text=query.get("hub.challenge", ""))
        return _error(403, "verification failed")


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def build_app(receiver: WebhookReceiver, max_body: int = DEFAULT_MAX_BODY) -> web.Application:
    """The aiohttp application: hooks, health and metrics; bodies over ``max_body`` get 413."""
    app = web.Application(client_max_size=max_body)
    app.router.add_post("/hooks/{name}", receiver.receive)
    app.router.add_get("/hooks/{name}", receiver.handshake)
    add_ops_routes(app, [receiver.health])
    return app
