"""The decidim connector against a local fake Decidim GraphQL API."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import TypeVar

from connectors.contract import BadRecord, NotConnected, RetryLater, SourceRecord
from connectors.neighbourhood.decidim import (
    DecidimConfig,
    DecidimConnector,
    Proposal,
    comment_event,
    proposal_event,
)
from connectors.testing.harness import FakeDecidim
from schemas import Channel, RawLocation
from tests.connectors.connector_helpers import ids, sample, take, until_signal

T = TypeVar("T")


def _with_fake(test: Callable[[FakeDecidim], Awaitable[T]], n: int = 0) -> T:
    async def run() -> T:
        fake = FakeDecidim()
        await fake.start(n)
        try:
            return await test(fake)
        finally:
            await fake.stop()

    return asyncio.run(run())


async def _read(
    fake: FakeDecidim, n: int, positions: dict[str, object] | None = None, **config: object
) -> list[SourceRecord | BadRecord]:
    connector = DecidimConnector(DecidimConfig.model_validate({**fake.config(), **config}))
    await connector.connect(positions or {})  # type: ignore[arg-type]
    try:
        return await take(connector, n)
    finally:
        await connector.close()


def test_sample_proposals_and_comments_map_to_events() -> None:
    """Sample nodes map to proposal and comment events with subject, text and address."""
    nodes = json.loads(sample("decidim/proposals.json"))["proposals"]
    proposal = Proposal.model_validate(nodes[0])
    event = proposal_event(proposal, "12", "decidim")
    assert event.id == "proposal:501"
    assert event.channel is Channel.NEIGHBOURHOOD
    assert event.subject == "Meer bomen op het Marktplein"
    assert event.text.startswith("Het plein is in de zomer veel te heet.")
    assert event.location == RawLocation(address="Marktplein, Utrecht")
    assert (event.party, event.party_kind) == ("groenfan", "handle")
    assert event.metadata["category"] == "Groen"
    comment = comment_event(proposal.comments[0], proposal, "12", "decidim")
    assert comment.id == "comment:9001"
    assert comment.subject == event.subject
    assert comment.metadata["proposal_id"] == "501"


def test_pages_through_proposals_with_comments_before_their_proposal() -> None:
    """Three proposals in pages of two arrive in order; a comment precedes its proposal."""
    records = _with_fake(lambda fake: _read(fake, 5), n=3)
    assert ids(records) == [
        "comment:9000",
        "proposal:500",
        "proposal:501",
        "comment:9002",
        "proposal:502",
    ]
    assert {r.partition for r in records} == {"process:12"}
    assert records[0].position == {}  # the comment does not move the mark past its proposal
    assert records[1].position == {"81": {"published_at": "2026-03-02T08:00:00+00:00", "id": "500"}}


def test_resumes_after_the_stored_mark_with_a_published_since_filter() -> None:
    """With a stored mark, earlier proposals are skipped and publishedSince is sent."""

    async def test(fake: FakeDecidim) -> tuple[list[str], list[dict[str, str]]]:
        mark = {"81": {"published_at": "2026-03-02T09:00:00+00:00", "id": "501"}}
        records = await _read(fake, 2, {"process:12": mark})
        return ids(records), [q for path, q in fake.requests if path == "/api#vars"]

    got, queries = _with_fake(test, n=3)
    assert got == ["comment:9002", "proposal:502"]
    assert json.loads(queries[1]["filter"]) == {"publishedSince": "2026-03-01"}


def test_bad_proposal_is_a_bad_record_and_reading_goes_on() -> None:
    """A proposal without publishedAt is a BadRecord; the next proposal still arrives."""

    async def test(fake: FakeDecidim) -> list[SourceRecord | BadRecord]:
        fake.add_bad_record()
        fake.add_records(1)
        return await _read(fake, 3)

    records = _with_fake(test, n=1)
    # the fake sorts the proposal without publishedAt first, as an empty string
    assert isinstance(records[0], BadRecord) and "publishedAt" in records[0].reason
    assert records[0].partition == "process:12"
    assert ids(records[1:]) == ["comment:9000", "proposal:500"]


def test_server_error_is_retry_later_and_unknown_process_not_connected() -> None:
    """A 502 is RetryLater; a process id the API does not know is NotConnected naming it."""

    async def test(fake: FakeDecidim) -> tuple[BaseException, BaseException]:
        fake.fail(5, status=502)
        connector = DecidimConnector(DecidimConfig.model_validate(fake.config()))
        await connector.connect({})
        try:
            first = (await until_signal(connector))[1]
        finally:
            await connector.close()
        fake.fail(0)
        other = DecidimConnector(
            DecidimConfig.model_validate({**fake.config(), "process_ids": ["77"]})
        )
        await other.connect({})
        try:
            second = (await until_signal(other))[1]
        finally:
            await other.close()
        return first, second

    first, second = _with_fake(test, n=1)
    assert isinstance(first, RetryLater) and "502" in str(first)
    assert isinstance(second, NotConnected) and "'77'" in str(second)
