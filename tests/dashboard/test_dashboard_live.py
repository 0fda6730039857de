"""The dashboard of a real worker in headless Chromium, while events arrive on the raw topics."""

from __future__ import annotations

import asyncio
import json
import struct
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from pipeline import stats
from pipeline.settings import RAW_CHANNELS, Settings
from schemas import Interaction
from tests.dashboard.cdp import Browser
from tests.dashboard.conftest import ARTIFACTS
from tests.dashboard.page import numbers, shown, total_is
from tests.kafka_helpers import create_topics, produce, read_topic, start_worker

pytestmark = pytest.mark.kafka

TEXTS = [
    "Beller vraagt hoe ze een kopie van haar huwelijksakte kan krijgen.",
    "Inwoner betaalt de openstaande aanslag rioolheffing aan de balie.",
    "Melding: de prullenbak bij het speeltuintje zit al dagen vol.",
    "Als omwonenden maken wij ons grote zorgen over de geplande snelweg-afrit.",
    "We willen een buitenbioscoop op ons pleintje organiseren, kan de gemeente helpen?",
    "Bewoners kunnen op een online kaart aangeven waar nieuwe bomen in de wijk moeten komen.",
    "Ik wil inspreken tijdens de gemeenteraadsvergadering over het nieuwe parkeerbeleid.",
    "Mijn kelder staat onder water na de storm, waar kan ik terecht voor hulp?",
    "Ik dien bezwaar in tegen de komst van de windturbines bij ons dorp.",
    "Ik heb al drie weken geen antwoord op mijn klacht, dit is slecht georganiseerd.",
]
LOCATIONS: list[dict[str, str] | None] = [
    {"postcode": "1012 AB"},
    {"buurt_code": "BU03630001"},
    None,
    {"wijk_code": "WK036300"},
]
ROUNDS = (15, 25)  # together <= 50, so /recent holds every interaction and roles can be checked


def raw_events(first: int, count: int) -> dict[str, list[tuple[bytes, bytes]]]:
    """``count`` raw events spread over the raw channels, texts, areas and the last few hours."""
    now = datetime.now(UTC)
    per_topic: dict[str, list[tuple[bytes, bytes]]] = {c: [] for c in RAW_CHANNELS}
    for n in range(first, first + count):
        channel = RAW_CHANNELS[n % len(RAW_CHANNELS)]
        body: dict[str, object] = {
            "id": f"ev-{n}",
            "channel": channel,
            "source": f"dash-{channel}",
            "occurred_at": (now - timedelta(hours=n % 4, minutes=n)).isoformat(),
            "text": TEXTS[n % len(TEXTS)],
        }
        location = LOCATIONS[n % len(LOCATIONS)]
        if location:
            body["location"] = location
        per_topic[channel].append((f"ev-{n}".encode(), json.dumps(body).encode()))
    return per_topic


def produce_round(settings: Settings, first: int, count: int) -> None:
    for channel, messages in raw_events(first, count).items():
        if messages:
            produce(settings, settings.topic(f"raw.{channel}"), messages)


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height from the PNG header (IHDR is always the first chunk)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def test_dashboard_shows_the_feed_live(
    kafka_settings: Settings, chromium: str, tmp_path: Path
) -> None:
    """The page, open while events arrive, ends with exactly the feed's counts and a screenshot."""
    settings = kafka_settings
    create_topics(settings)
    worker = start_worker(settings, tmp_path / "worker.log")
    try:
        worker.wait_ready()
        texts, items, exceptions, png = asyncio.run(
            watch(settings, chromium, tmp_path, f"http://127.0.0.1:{worker.port}/dashboard")
        )
        expected = sum(ROUNDS)
        records = read_topic(settings, settings.topic("interactions"), expect=expected)
    finally:
        worker.stop()
    feed = [Interaction.model_validate_json(r.value or b"") for r in records]
    assert len(feed) == expected == len({i.id for i in feed})

    def counts(values: list[str], shown_counts: dict[str, int]) -> None:
        assert {k: v for k, v in shown_counts.items() if v} == dict(Counter(values))

    counts([i.tags.perspective.value for i in feed], numbers(texts, "perspective-"))
    assert set(numbers(texts, "perspective-")) >= {i.tags.perspective.value for i in feed}
    counts([i.channel.value for i in feed], numbers(texts, "channel-"))
    counts([i.location.area() if i.location else "onbekend" for i in feed], numbers(texts, "area-"))
    counts([i.tags.citizen_role.value for i in feed], numbers(texts, "citizen-role-"))
    counts([i.tags.municipality_role.value for i in feed], numbers(texts, "municipality-role-"))
    assert int(texts["review-count"]) == sum(i.tags.needs_review for i in feed)
    assert int(texts["recent-count"]) == expected
    windows = {stats.window_start(i.occurred_at) for i in feed}
    assert int(texts["window-count"]) == len(windows) > 1
    assert sorted(items) == sorted(i.id for i in feed)
    assert exceptions == []
    width, height = png_size(png)
    assert width == 1400 and height > 800
    assert len(png) > 30_000  # a blank or error page compresses to a few kilobytes


async def watch(
    settings: Settings, chromium: str, tmp_path: Path, url: str
) -> tuple[dict[str, str], list[str], list[str], bytes]:
    """Open the page, produce two rounds while it polls, and read what it finally shows."""
    browser = await Browser.launch(chromium, tmp_path / "chromium-profile")
    try:
        await browser.navigate(url)
        await browser.wait_for(total_is(0), timeout_s=10, what="the empty, live page")
        first, second = ROUNDS
        await asyncio.to_thread(produce_round, settings, 0, first)
        await browser.wait_for(total_is(first), timeout_s=20, what=f"a total of {first}")
        await asyncio.to_thread(produce_round, settings, first, second)
        await browser.wait_for(total_is(first + second), timeout_s=20, what="the final total")
        # /recent and /stats are read together, but give the list one more poll to settle
        await browser.wait_for(
            f"document.querySelectorAll('[data-testid=recent-item]').length === {first + second}",
            timeout_s=10,
            what="every interaction in the newest list",
        )
        texts = await shown(browser)
        items: list[str] = await browser.evaluate(
            "[...document.querySelectorAll('[data-testid=recent-item]')].map(n => n.dataset.id)"
        )
        png = await browser.screenshot(ARTIFACTS / "dashboard.png")
        return texts, items, list(browser.exceptions), png
    finally:
        await browser.close()
