"""The mastodon connector against a local fake Mastodon: paging, resumption, rate limits, errors."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest

from connectors.contract import BadRecord, NotConnected, RetryLater, SourceRecord
from connectors.social.html import html_to_text
from connectors.social.mastodon import MastodonConfig, MastodonConnector, Status, to_raw_event
from connectors.testing.harness import FakeMastodon
from tests.connectors.connector_helpers import ids, sample, take, until_signal

T = TypeVar("T")


def _with_fake(test: Callable[[FakeMastodon], Awaitable[T]], n: int = 0, **config: object) -> T:
    async def run() -> T:
        fake = FakeMastodon()
        await fake.start(n)
        try:
            return await test(fake)
        finally:
            await fake.stop()

    return asyncio.run(run())


async def _connector(
    fake: FakeMastodon, positions: dict[str, object] | None = None, **config: object
) -> MastodonConnector:
    connector = MastodonConnector(MastodonConfig.model_validate({**fake.config(), **config}))
    await connector.connect(positions or {})  # type: ignore[arg-type]
    return connector


def test_sample_statuses_map_to_social_events() -> None:
    """Sample statuses become events with plain text, handle, language and spoiler as subject."""
    statuses = [Status.model_validate(s) for s in json.loads(sample("mastodon/statuses.json"))]
    events = [to_raw_event(s) for s in statuses]
    assert events[0].text == (
        "Het fietspad langs de Singel ligt alweer vol glas. #gemeente\n\nWie ruimt dit op?"
    )
    assert (events[0].party, events[0].party_kind) == ("fietser@mastodon.example", "handle")
    assert events[0].occurred_at == datetime(2026, 3, 2, 8, 1, 12, tzinfo=UTC)
    assert events[0].metadata["tags"] == ["gemeente"]
    assert events[1].subject == "Lang draadje"
    assert "<br" not in events[1].text and "&amp;" not in events[1].text
    assert "site & in de krant" in events[1].text
    assert events[2].language == "en"
    assert events[2].metadata["in_reply_to_id"] == "113920000000000102"


def test_html_to_text_keeps_paragraphs_and_breaks() -> None:
    """Paragraphs become blank lines, <br> a newline, entities are decoded."""
    assert html_to_text("<p>a &lt;b&gt;<br/>c</p><p>d</p>") == "a <b>\nc\n\nd"


def test_reads_all_pages_oldest_first_with_positions_per_stream() -> None:
    """Five statuses in pages of two arrive oldest first on both streams, each with its id."""

    async def test(fake: FakeMastodon) -> list[SourceRecord | BadRecord]:
        connector = await _connector(fake)
        try:
            return await take(connector, 10)
        finally:
            await connector.close()

    records = _with_fake(test, n=5)
    mentions = [r for r in records if r.partition == "mentions"]
    tags = [r for r in records if r.partition == "tag:gemeente"]
    expected = [str(113920000000000000 + i) for i in range(5)]
    assert ids(mentions) == expected and ids(tags) == expected
    assert [r.position for r in mentions] == [str(70000 + i) for i in range(5)]
    assert [r.position for r in tags] == expected


def test_resumes_after_the_stored_ids() -> None:
    """Given stored positions, only newer items are read, and min_id is sent."""

    async def test(fake: FakeMastodon) -> tuple[list[str], list[dict[str, str]]]:
        positions = {"mentions": "70002", "tag:gemeente": "113920000000000003"}
        connector = await _connector(fake, positions)
        try:
            records = await take(connector, 3)
        finally:
            await connector.close()
        return ids(records), [q for _, q in fake.requests]

    got, queries = _with_fake(test, n=5)
    assert got == ["113920000000000003", "113920000000000004", "113920000000000004"]
    assert queries[0]["min_id"] == "70002" and queries[0]["types[]"] == "mention"


def test_fresh_start_from_latest_reads_only_the_newest_page() -> None:
    """Without a position and with start_from latest, history before the newest page is skipped."""

    async def test(fake: FakeMastodon) -> list[str]:
        connector = await _connector(fake, mentions=False, start_from="latest")
        try:
            return ids(await take(connector, 2))
        finally:
            await connector.close()

    assert _with_fake(test, n=5) == ["113920000000000003", "113920000000000004"]


def test_new_statuses_are_picked_up_on_the_next_poll() -> None:
    """A status added after the first poll arrives on a later poll."""

    async def test(fake: FakeMastodon) -> list[str]:
        connector = await _connector(fake, mentions=False)
        stream = connector.read()
        try:
            first = [await anext(stream), await anext(stream)]
            fake.add_records(1)
            first.append(await asyncio.wait_for(anext(stream), 3))
        finally:
            await stream.aclose()
            await connector.close()
        return ids(first)

    assert _with_fake(test, n=2) == [str(113920000000000000 + i) for i in range(3)]


def test_exhausted_rate_limit_raises_retry_later_with_the_reset() -> None:
    """When X-RateLimit-Remaining hits 0 the connector raises RetryLater until the reset."""

    async def test(fake: FakeMastodon) -> tuple[int, BaseException]:
        fake.rate_limit(1, datetime.now(UTC) + timedelta(seconds=120))
        connector = await _connector(fake, mentions=False)
        try:
            records, signal = await until_signal(connector)
        finally:
            await connector.close()
        return len(records), signal

    count, signal = _with_fake(test, n=5)
    assert count == 2  # the page that spent the budget is delivered
    assert isinstance(signal, RetryLater)
    assert signal.retry_after is not None and 100 < signal.retry_after <= 120


def test_429_raises_retry_later() -> None:
    """A 429 answer is RetryLater, not an error."""

    async def test(fake: FakeMastodon) -> BaseException:
        fake.rate_limit(0, datetime.now(UTC) + timedelta(seconds=30))
        connector = await _connector(fake)
        try:
            return (await until_signal(connector))[1]
        finally:
            await connector.close()

    signal = _with_fake(test, n=1)
    assert isinstance(signal, RetryLater) and "429" in str(signal)


@pytest.mark.parametrize(("status", "signal"), [(503, RetryLater), (401, NotConnected)])
def test_server_errors_map_to_signals(status: int, signal: type[Exception]) -> None:
    """5xx is RetryLater; a rejected token is NotConnected with a hint."""

    async def test(fake: FakeMastodon) -> BaseException:
        fake.fail(10, status=status)
        connector = await _connector(fake)
        try:
            return (await until_signal(connector))[1]
        finally:
            await connector.close()

    raised = _with_fake(test, n=1)
    assert isinstance(raised, signal) and str(status) in str(raised)


def test_unreachable_server_is_not_connected() -> None:
    """A closed port is NotConnected naming the URL."""

    async def run() -> BaseException:
        config = MastodonConfig.model_validate(
            {"base_url": "http://127.0.0.1:9", "access_token": "t", "timeout": 1}
        )
        connector = MastodonConnector(config)
        await connector.connect({})
        try:
            return (await until_signal(connector))[1]
        finally:
            await connector.close()

    raised = asyncio.run(run())
    assert isinstance(raised, NotConnected) and "127.0.0.1:9" in str(raised)


def test_bad_status_is_a_bad_record_and_reading_goes_on() -> None:
    """A status without account is a BadRecord with its position; later statuses still arrive."""

    async def test(fake: FakeMastodon) -> list[SourceRecord | BadRecord]:
        fake.add_bad_record()
        fake.add_records(1)
        connector = await _connector(fake, mentions=False)
        try:
            return await take(connector, 3)
        finally:
            await connector.close()

    records = _with_fake(test, n=1)
    assert [type(r).__name__ for r in records] == ["SourceRecord", "BadRecord", "SourceRecord"]
    assert isinstance(records[1], BadRecord)
    assert "account" in records[1].reason and records[1].position == "113920000000000001"
