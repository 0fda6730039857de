"""Mastodon: mentions of the municipality's account and followed hashtags, by REST polling.

Streams: ``GET /api/v1/notifications?types[]=mention`` (partition ``mentions``) and
``GET /api/v1/timelines/tag/<name>`` (partition ``tag:<name>``). Each poll asks for what is newer
than the stored id (``min_id``) and follows the ``Link: rel="prev"`` pages towards the newest;
Mastodon returns each page newest first, so records are sorted oldest first before they go out.
The event id is the status id, so the same toot seen as mention and in a tag has one id.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal

import aiohttp
from pydantic import (
    AnyHttpUrl,
    AwareDatetime,
    Field,
    JsonValue,
    SecretStr,
    ValidationError,
)

import schemas
from connectors.contract import (
    BadRecord,
    Connector,
    ConnectorConfig,
    NotConnected,
    SourceRecord,
)
from connectors.social.html import html_to_text
from connectors.social.http import check_budget, request_json
from connectors.web.payload import SourceModel, describe, to_record


class Account(SourceModel):
    id: str
    acct: str


class Tag(SourceModel):
    name: str


class Status(SourceModel):
    """The fields of a Mastodon status that samenspel uses."""

    id: str
    created_at: AwareDatetime
    content: str
    language: str | None = None
    spoiler_text: str = ""
    visibility: str = "public"
    in_reply_to_id: str | None = None
    sensitive: bool = False
    account: Account
    tags: list[Tag] = Field(default_factory=list)
    replies_count: int = 0
    reblogs_count: int = 0
    favourites_count: int = 0
    reblog: Status | None = None


class Notification(SourceModel):
    id: str
    type: str
    status: Status


class MastodonConfig(ConnectorConfig):
    """Instance, token and which streams to follow."""

    base_url: AnyHttpUrl = Field(description="The instance, e.g. https://social.example.nl")
    access_token: SecretStr = Field(description="Token with read:notifications and read:statuses.")
    mentions: bool = Field(default=True, description="Read mentions of the token's account.")
    hashtags: list[str] = Field(default_factory=list, description="Hashtags without '#'.")
    start_from: Literal["latest", "beginning"] = Field(
        default="latest",
        description="Without a stored position: the newest page only, or all history.",
    )
    page_size: int = Field(default=40, ge=1, le=40, description="Items per request (max 40).")
    max_pages: int = Field(default=10, ge=1, description="Pages per stream per poll.")
    poll_interval: float = Field(default=30.0, gt=0, description="Seconds between polls.")
    timeout: float = Field(default=10.0, gt=0, description="Seconds per HTTP request.")
    source: str = Field(
        default="mastodon", min_length=1, max_length=100, description="RawEvent.source value."
    )


@dataclass(frozen=True, slots=True)
class _Stream:
    partition: str
    path: str
    kind: Literal["notification", "status"]


def id_key(item_id: str) -> tuple[int, str]:
    """Sort key of Mastodon ids: numeric strings of growing length, compared as numbers."""
    return (len(item_id), item_id)


def by_id(
    body: list[JsonValue],
) -> tuple[list[tuple[str, dict[str, JsonValue]]], list[JsonValue]]:
    """A page's items oldest first with their ids, and the items without an id to position by."""
    items: list[tuple[str, dict[str, JsonValue]]] = []
    unusable: list[JsonValue] = []
    for item in body:
        value = item.get("id") if isinstance(item, dict) else None
        if isinstance(item, dict) and type(value) in (str, int) and str(value):  # not bool
            items.append((str(value), item))
        else:
            unusable.append(item)
    items.sort(key=lambda pair: id_key(pair[0]))
    return items, unusable


def to_raw_event(status: Status, source: str = "mastodon") -> schemas.RawEvent:
    """Map one status: plain text of its HTML, the account handle as party."""
    shown = status.reblog or status
    metadata: dict[str, JsonValue] = {
        "visibility": shown.visibility,
        "tags": [tag.name for tag in shown.tags],
        "replies_count": shown.replies_count,
        "reblogs_count": shown.reblogs_count,
        "favourites_count": shown.favourites_count,
        "sensitive": shown.sensitive,
    }
    if shown.in_reply_to_id:
        metadata["in_reply_to_id"] = shown.in_reply_to_id
    return schemas.RawEvent(
        id=shown.id,
        channel=schemas.Channel.SOCIAL,
        source=source,
        occurred_at=shown.created_at,
        text=html_to_text(shown.content),
        subject=shown.spoiler_text or None,
        language=shown.language,
        party=shown.account.acct,
        party_kind="handle",
        metadata=metadata,
    )


class MastodonConnector(Connector[MastodonConfig]):
    """Polls mentions and hashtag timelines; position = last seen id per stream."""

    name: ClassVar[str] = "mastodon"
    channel: ClassVar[schemas.Channel] = schemas.Channel.SOCIAL
    config_model: ClassVar[type[ConnectorConfig]] = MastodonConfig
    description: ClassVar[str] = "Mastodon mentions and hashtags via the REST API (polling)."

    def __init__(self, config: MastodonConfig) -> None:
        super().__init__(config)
        self._base = str(config.base_url).rstrip("/")
        self._session: aiohttp.ClientSession | None = None
        self._since: dict[str, str] = {}
        self._streams: list[_Stream] = []
        if config.mentions:
            self._streams.append(_Stream("mentions", "/api/v1/notifications", "notification"))
        for tag in config.hashtags:
            name = tag.lstrip("#")
            self._streams.append(_Stream(f"tag:{name}", f"/api/v1/timelines/tag/{name}", "status"))

    async def connect(self, positions: Mapping[str, JsonValue]) -> None:
        if not self._streams:
            raise NotConnected("mastodon: neither mentions nor hashtags configured")
        self._since = {key: value for key, value in positions.items() if isinstance(value, str)}
        token = self.config.access_token.get_secret_value()
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def read(self) -> AsyncIterator[SourceRecord | BadRecord]:
        while True:
            for stream in self._streams:
                async for record in self._poll(stream):
                    yield record
            await asyncio.sleep(self.config.poll_interval)

    async def _poll(self, stream: _Stream) -> AsyncIterator[SourceRecord | BadRecord]:
        """Everything newer than the stored id, oldest first, at most ``max_pages`` pages."""
        if self._session is None:
            raise NotConnected("mastodon: read before connect")
        url = self._base + stream.path
        first: dict[str, Any] = {"limit": self.config.page_size}
        if stream.kind == "notification":
            first["types[]"] = "mention"
        if stream.partition in self._since:
            first["min_id"] = self._since[stream.partition]
        elif self.config.start_from == "beginning":
            first["min_id"] = "0"
        params: dict[str, Any] | None = first
        for _ in range(self.config.max_pages):
            reply = await request_json(
                self._session,
                "GET",
                url,
                params=params,
                connector=self.name,
                timeout=self.config.timeout,
            )
            if not isinstance(reply.body, list):
                raise NotConnected(f"mastodon: {url} did not answer a list")
            items, unusable = by_id(reply.body)
            for junk in unusable:
                yield self._unpositioned(junk, stream)
            for item_id, item in items:
                self._since[stream.partition] = item_id
                if stream.kind == "notification" and item.get("type") != "mention":
                    continue  # a server that ignores types[] also sends follows and favourites
                yield self._record(item, item_id, stream)
            if len(items) < self.config.page_size:
                return
            check_budget(reply.headers, self.name)
            if "prev" in reply.links:
                url, params = reply.links["prev"], None
            else:
                params = {**first, "min_id": self._since[stream.partition]}
        check_budget(reply.headers, self.name)

    def _unpositioned(self, item: JsonValue, stream: _Stream) -> BadRecord:
        """An item without an id cannot move the position; it is dead-lettered where we are."""
        position = self._since.get(stream.partition)
        reason = "mastodon: item is not an object with an id"
        return BadRecord(json.dumps(item).encode(), reason, position, stream.partition)

    def _record(
        self, item: dict[str, JsonValue], item_id: str, stream: _Stream
    ) -> SourceRecord | BadRecord:
        payload = json.dumps(item).encode()
        position, partition = item_id, stream.partition
        try:
            if stream.kind == "notification":
                status = Notification.model_validate(item).status
            else:
                status = Status.model_validate(item)
        except ValidationError as exc:
            return BadRecord(payload, f"mastodon: {describe(exc)}", position, partition)
        return to_record(
            payload,
            self.name,
            lambda: to_raw_event(status, self.config.source),
            position,
            partition,
        )
