"""The fake Mastodon and Decidim APIs, read by the real connectors over HTTP."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestServer

from connectors.contract import BadRecord, Connector, SourceRecord
from connectors.neighbourhood.decidim import DecidimConfig, DecidimConnector
from connectors.social.mastodon import MastodonConfig, MastodonConnector
from pipeline.demo import payloads
from pipeline.demo.fakes import DECIDIM_PROCESS, FakeDecidim, FakeMastodon
from pipeline.demo.payloads import Message
from pipeline.demo.traffic import snowflake

START = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def message(n: int) -> Message:
    return Message(
        uid=f"u{n}",
        text=f"Bericht nummer {n} over de speeltuin",
        subject="Speeltuin",
        occurred_at=START + timedelta(seconds=n),
        phone="06-12345678",
        email="a@example.nl",
        handle=f"bewoner{n}",
        buurt_code="BU09990101",
    )


async def take(connector: Connector[Any], n: int) -> list[SourceRecord | BadRecord]:
    await connector.connect({})
    stream: AsyncIterator[SourceRecord | BadRecord] = connector.read()
    records = []
    try:
        async for record in stream:
            records.append(record)
            if len(records) == n:
                break
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
        await connector.close()
    return records


def test_mastodon_connector_reads_every_status_oldest_first_across_pages() -> None:
    """More statuses than one page: the real connector gets them all, in order."""
    asyncio.run(_mastodon())


async def _mastodon() -> None:
    fake = FakeMastodon()
    for n in range(7):
        fake.add(payloads.mastodon_status(message(n), snowflake(START, n), "onzegemeente"))
    async with TestServer(fake.app()) as server:
        config = MastodonConfig(
            base_url=str(server.make_url("/")),
            access_token="t",
            mentions=False,
            hashtags=["onzegemeente"],
            start_from="beginning",
            page_size=3,
            poll_interval=0.05,
        )
        records = await take(MastodonConnector(config), 7)
    texts = [r.event.text for r in records if isinstance(r, SourceRecord)]
    assert len(texts) == 7
    assert [t.split()[2] for t in texts] == [str(n) for n in range(7)]


def test_decidim_connector_reads_proposals_and_their_comments() -> None:
    """Proposals (with comments) come through the GraphQL paging, comments before proposals."""
    asyncio.run(_decidim())


async def _decidim() -> None:
    fake = FakeDecidim()
    for n in range(4):
        fake.add(payloads.decidim_proposal(message(n), f"p{n}", [message(100 + n)]))
    async with TestServer(fake.app()) as server:
        config = DecidimConfig(
            base_url=str(server.make_url("/")),
            process_ids=[DECIDIM_PROCESS],
            page_size=3,
            poll_interval=0.05,
        )
        records = await take(DecidimConnector(config), 8)
    ids = [r.event.id for r in records if isinstance(r, SourceRecord)]
    assert ids[:2] == ["comment:p0-0", "proposal:p0"]
    assert sorted(ids) == sorted(
        [f"proposal:p{n}" for n in range(4)] + [f"comment:p{n}-0" for n in range(4)]
    )


def test_fake_mastodon_pages_like_mastodon() -> None:
    """With min_id: the oldest newer items, newest first; without: the newest page."""
    fake = FakeMastodon()
    for n in range(5):
        fake.add({"id": str(10 + n)})
    assert [s["id"] for s in fake.page("11", 2)] == ["13", "12"]
    assert [s["id"] for s in fake.page(None, 2)] == ["14", "13"]


def test_fake_decidim_filters_by_date_and_refuses_unknown_process() -> None:
    """publishedSince filters by day; an unknown process id answers null like Decidim."""
    fake = FakeDecidim()
    fake.add(payloads.decidim_proposal(message(0), "old"))
    newer = message(1)
    later = dataclasses.replace(newer, occurred_at=START + timedelta(days=2))
    fake.add(payloads.decidim_proposal(later, "new"))
    data = fake.answer("query { proposals }", {"filter": {"publishedSince": "2025-03-15"}})
    assert [n["id"] for n in data["component"]["proposals"]["nodes"]] == ["new"]
    assert fake.answer("participatoryProcess", {"id": "999"}) == {"participatoryProcess": None}
    assert json.dumps(fake.answer("participatoryProcess", {"id": DECIDIM_PROCESS}))
