"""A generic webhook for neighbourhood platforms without an open API (bridges post to it).

Payload (documented in docs/connectors-reference.md)::

    {"platform": "hoplr", "id": "p-123", "kind": "post" | "reply" | "event",
     "parent_id": null, "buurt_code": "BU03630501", "neighbourhood": "Oosterpark",
     "title": "...", "body": "...", "author": {"handle": "..."}, "language": "nl",
     "created_at": "<RFC 3339>"}

The event id is ``<platform>:<id>``, unique across platforms that share the endpoint.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar, Literal

from pydantic import AwareDatetime, Field, JsonValue

import schemas
from connectors.contract import (
    BadRecord,
    ConnectorConfig,
    SourceRecord,
    WebhookConfig,
    WebhookConnector,
)
from connectors.web.payload import SourceModel, parse_single


class Author(SourceModel):
    handle: str = Field(min_length=1)


class NeighbourhoodPost(SourceModel):
    """One post, reply or event announcement."""

    platform: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9][a-z0-9_.-]*$")
    id: str = Field(min_length=1, max_length=140)
    kind: Literal["post", "reply", "event"]
    parent_id: str | None = None
    buurt_code: str | None = Field(default=None, pattern=r"^BU\d{8}$")
    neighbourhood: str | None = None
    title: str | None = None
    body: str
    author: Author | None = None
    language: str | None = None
    created_at: AwareDatetime


class NeighbourhoodWebhookConfig(WebhookConfig):
    """The source name of the bridge."""

    source: str = Field(
        default="neighbourhood", min_length=1, max_length=100, description="RawEvent.source value."
    )


def to_raw_event(post: NeighbourhoodPost, source: str = "neighbourhood") -> schemas.RawEvent:
    """Map one post: the buurt code as location, the author handle as party."""
    metadata: dict[str, JsonValue] = {"platform": post.platform, "kind": post.kind}
    if post.parent_id:
        metadata["parent_id"] = post.parent_id
    if post.neighbourhood:
        metadata["neighbourhood"] = post.neighbourhood
    location = schemas.RawLocation(buurt_code=post.buurt_code) if post.buurt_code else None
    return schemas.RawEvent(
        id=f"{post.platform}:{post.id}",
        channel=schemas.Channel.NEIGHBOURHOOD,
        source=source,
        occurred_at=post.created_at,
        text=post.body,
        subject=post.title,
        language=post.language,
        location=location,
        party=post.author.handle if post.author else None,
        party_kind="handle" if post.author else None,
        metadata=metadata,
    )


class NeighbourhoodWebhookConnector(WebhookConnector[NeighbourhoodWebhookConfig]):
    """Receives neighbourhood posts at /hooks/neighbourhood-webhook."""

    name: ClassVar[str] = "neighbourhood-webhook"
    channel: ClassVar[schemas.Channel] = schemas.Channel.NEIGHBOURHOOD
    config_model: ClassVar[type[ConnectorConfig]] = NeighbourhoodWebhookConfig
    description: ClassVar[str] = "Posts from neighbourhood platforms through a bridge."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        return parse_single(
            NeighbourhoodPost, body, self.name, lambda item: to_raw_event(item, self.config.source)
        )
