"""Decidim proposals and their comments, by polling its GraphQL API (``POST /api``).

Per configured participatory process the connector lists the ``Proposals`` components, then pages
through each component's proposals (``first``/``after`` cursors, ``order: {publishedAt: "asc"}``),
resuming with ``filter: {publishedSince: <date>}`` and skipping what it has seen. The position of
partition ``process:<id>`` maps component id to the last seen ``{"published_at", "id"}``.
A proposal's comments are read with the proposal and go out before it, so a stored position never
passes comments that were not delivered. Comments added later to an old proposal are not seen.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any, ClassVar

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
from connectors.social.http import request_json
from connectors.web.payload import SourceModel, describe, to_record

COMPONENTS_QUERY = """
query ProcessComponents($id: ID!) {
  participatoryProcess(id: $id) {
    id
    slug
    components { id __typename }
  }
}
"""

PROPOSALS_QUERY = """
query Proposals($component: ID!, $first: Int!, $after: String,
                $filter: ProposalInputFilter, $locale: String!) {
  component(id: $component) {
    id
    ... on Proposals {
      proposals(first: $first, after: $after, filter: $filter,
                order: {publishedAt: "asc"}) {
        pageInfo { endCursor hasNextPage }
        nodes {
          id
          title { translation(locale: $locale) translations { text } }
          body { translation(locale: $locale) translations { text } }
          publishedAt
          address
          category { id name { translation(locale: $locale) } }
          author { nickname }
          comments { id body createdAt author { nickname } }
        }
      }
    }
  }
}
"""


class Localized(SourceModel):
    text: str | None = None


class Translated(SourceModel):
    """A translated field: Decidim answers null for a locale the author did not write in."""

    translation: str | None = None
    translations: list[Localized | None] = Field(default_factory=list)

    def best(self) -> str | None:
        """The configured locale's text, else the first other one, so no proposal is empty."""
        others = (item.text for item in self.translations if item is not None and item.text)
        return self.translation or next(others, None)


class Author(SourceModel):
    nickname: str | None = None


class Category(SourceModel):
    id: str
    name: Translated | None = None


class Comment(SourceModel):
    id: str
    body: str
    createdAt: AwareDatetime  # noqa: N815 (GraphQL field name)
    author: Author | None = None


class Proposal(SourceModel):
    """A proposal node as the query above asks for it."""

    id: str
    title: Translated
    body: Translated | str | None = None
    publishedAt: AwareDatetime  # noqa: N815
    address: str | None = None
    category: Category | None = None
    author: Author | None = None
    comments: list[Comment] = Field(default_factory=list)


class DecidimConfig(ConnectorConfig):
    """The Decidim instance and which participatory processes to follow."""

    base_url: AnyHttpUrl = Field(description="The instance, e.g. https://doemee.example.nl")
    process_ids: list[str] = Field(min_length=1, description="Participatory process ids.")
    locale: str = Field(default="nl", description="Locale of title and body translations.")
    api_token: SecretStr | None = Field(default=None, description="Bearer token, if required.")
    page_size: int = Field(default=50, ge=1, le=100, description="Proposals per request.")
    poll_interval: float = Field(default=300.0, gt=0, description="Seconds between polls.")
    timeout: float = Field(default=20.0, gt=0, description="Seconds per HTTP request.")
    source: str = Field(
        default="decidim", min_length=1, max_length=100, description="RawEvent.source value."
    )


def _text(value: Translated | str | None) -> str:
    raw = value.best() if isinstance(value, Translated) else value
    return html_to_text(raw or "")


def proposal_event(proposal: Proposal, process: str, source: str) -> schemas.RawEvent:
    """Map one proposal: title as subject, plain-text body, address as location."""
    metadata: dict[str, JsonValue] = {"kind": "proposal", "process_id": process}
    if proposal.category is not None:
        metadata["category_id"] = proposal.category.id
        if proposal.category.name and proposal.category.name.translation:
            metadata["category"] = proposal.category.name.translation
    metadata["comments"] = len(proposal.comments)
    nickname = proposal.author.nickname if proposal.author else None
    address = proposal.address.strip() if proposal.address else ""
    return schemas.RawEvent(
        id=f"proposal:{proposal.id}",
        channel=schemas.Channel.NEIGHBOURHOOD,
        source=source,
        occurred_at=proposal.publishedAt,
        text=_text(proposal.body),
        subject=proposal.title.best(),
        location=schemas.RawLocation(address=address) if address else None,
        party=nickname,
        party_kind="handle" if nickname else None,
        metadata=metadata,
    )


def comment_event(
    comment: Comment, proposal: Proposal, process: str, source: str
) -> schemas.RawEvent:
    """Map one comment: it answers the proposal, whose title is its subject."""
    nickname = comment.author.nickname if comment.author else None
    return schemas.RawEvent(
        id=f"comment:{comment.id}",
        channel=schemas.Channel.NEIGHBOURHOOD,
        source=source,
        occurred_at=comment.createdAt,
        text=html_to_text(comment.body),
        subject=proposal.title.best(),
        party=nickname,
        party_kind="handle" if nickname else None,
        metadata={"kind": "comment", "process_id": process, "proposal_id": proposal.id},
    )


def _seen(mark: JsonValue, published: str, proposal_id: str) -> bool:
    """Whether (publishedAt, id) is at or before the stored mark."""
    if not isinstance(mark, dict):
        return False
    last_time, last_id = mark.get("published_at"), mark.get("id")
    if not isinstance(last_time, str) or not isinstance(last_id, str):
        return False
    return (published, len(proposal_id), proposal_id) <= (last_time, len(last_id), last_id)


class DecidimConnector(Connector[DecidimConfig]):
    """Polls proposals and comments of the configured processes."""

    name: ClassVar[str] = "decidim"
    channel: ClassVar[schemas.Channel] = schemas.Channel.NEIGHBOURHOOD
    config_model: ClassVar[type[ConnectorConfig]] = DecidimConfig
    description: ClassVar[str] = "Decidim proposals and comments via the GraphQL API (polling)."

    def __init__(self, config: DecidimConfig) -> None:
        super().__init__(config)
        self._url = str(config.base_url).rstrip("/") + "/api"
        self._session: aiohttp.ClientSession | None = None
        self._marks: dict[str, dict[str, JsonValue]] = {}

    async def connect(self, positions: Mapping[str, JsonValue]) -> None:
        for process in self.config.process_ids:
            stored = positions.get(f"process:{process}")
            self._marks[process] = dict(stored) if isinstance(stored, dict) else {}
        headers = {"Accept": "application/json"}
        if self.config.api_token is not None:
            headers["Authorization"] = f"Bearer {self.config.api_token.get_secret_value()}"
        self._session = aiohttp.ClientSession(headers=headers)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def read(self) -> AsyncIterator[SourceRecord | BadRecord]:
        while True:
            for process in self.config.process_ids:
                for component in await self._components(process):
                    async for record in self._proposals(process, component):
                        yield record
            await asyncio.sleep(self.config.poll_interval)

    async def _query(self, query: str, variables: dict[str, Any]) -> dict[str, JsonValue]:
        if self._session is None:
            raise NotConnected("decidim: read before connect")
        reply = await request_json(
            self._session,
            "POST",
            self._url,
            json={"query": query, "variables": variables},
            connector=self.name,
            timeout=self.config.timeout,
        )
        body = reply.body
        errors = body.get("errors") if isinstance(body, dict) else None
        data = body.get("data") if isinstance(body, dict) else None
        if errors or not isinstance(data, dict):
            first = errors[0] if isinstance(errors, list) and errors else errors
            message = first.get("message") if isinstance(first, dict) else first
            raise NotConnected(f"decidim: GraphQL error: {message or 'no data'}")
        return data

    async def _components(self, process: str) -> list[str]:
        data = await self._query(COMPONENTS_QUERY, {"id": process})
        space = data.get("participatoryProcess")
        if not isinstance(space, dict):
            raise NotConnected(f"decidim: participatory process {process!r} not found")
        components = space.get("components")
        return [
            str(c["id"])
            for c in (components if isinstance(components, list) else [])
            if isinstance(c, dict) and c.get("__typename") == "Proposals"
        ]

    async def _proposals(
        self, process: str, component: str
    ) -> AsyncIterator[SourceRecord | BadRecord]:
        partition = f"process:{process}"
        marks = self._marks.setdefault(process, {})
        mark = marks.get(component)
        since = mark.get("published_at") if isinstance(mark, dict) else None
        variables: dict[str, Any] = {
            "component": component,
            "first": self.config.page_size,
            "after": None,
            "filter": {"publishedSince": _day_before(since)} if isinstance(since, str) else None,
            "locale": self.config.locale,
        }
        while True:
            data = await self._query(PROPOSALS_QUERY, variables)
            page = _dig(data, "component", "proposals")
            nodes = page.get("nodes")
            for node in nodes if isinstance(nodes, list) else []:
                for record in self._node_records(node, process, component, partition):
                    yield record
            info = _dig(page, "pageInfo")
            if not info.get("hasNextPage") or not info.get("endCursor"):
                return
            variables["after"] = info["endCursor"]

    def _node_records(
        self, node: JsonValue, process: str, component: str, partition: str
    ) -> list[SourceRecord | BadRecord]:
        marks = self._marks[process]
        payload = json.dumps(node).encode()
        try:
            proposal = Proposal.model_validate(node)
        except ValidationError as exc:
            return [BadRecord(payload, f"decidim: {describe(exc)}", dict(marks), partition)]
        published = proposal.publishedAt.astimezone(UTC).isoformat()
        if _seen(marks.get(component), published, proposal.id):
            return []
        before = dict(marks)
        source = self.config.source
        records = [
            to_record(
                json.dumps(comment.model_dump(mode="json")).encode(),
                self.name,
                partial(comment_event, comment, proposal, process, source),
                before,
                partition,
            )
            for comment in proposal.comments
        ]
        marks[component] = {"published_at": published, "id": proposal.id}
        records.append(
            to_record(
                payload,
                self.name,
                lambda: proposal_event(proposal, process, source),
                dict(marks),
                partition,
            )
        )
        return records


def _day_before(published_at: str) -> str:
    """The ``publishedSince`` date: a day early, as Decidim compares dates in its own zone."""
    return (datetime.fromisoformat(published_at) - timedelta(days=1)).date().isoformat()


def _dig(data: JsonValue, *keys: str) -> dict[str, JsonValue]:
    """``data[k1][k2]...`` as a dict; a missing level means the API answered something else."""
    for key in keys:
        if not isinstance(data, dict) or not isinstance(data.get(key), dict):
            raise NotConnected(f"decidim: the answer has no {key!r} object")
        data = data[key]
    assert isinstance(data, dict)
    return data
