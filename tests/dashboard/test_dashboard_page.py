"""The dashboard page in headless Chromium against a stand-in server (no Kafka): fast checks."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from aiohttp import web

from pipeline import stats
from pipeline.worker.app import DASHBOARD_HTML
from schemas import Interaction, interaction_id
from tests.dashboard.cdp import Browser
from tests.dashboard.conftest import ARTIFACTS
from tests.dashboard.page import numbers, shown, total_is

HOSTILE = "<img src=x onerror=\"document.title='pwned'\">"
NOW = datetime.now(UTC).replace(minute=30, second=0, microsecond=0)

# channel, perspective, citizen role, municipality role, needs review, area, hours ago
SPECS = [
    ("phone", "burgers_en_bedrijven", "klant", "leveren", False, {"postcode4": "1012"}, 0),
    ("counter", "burgers_en_bedrijven", "belastingbetaler", "leveren", False, None, 0),
    ("web", "burgers_en_bedrijven", "gebruiker", "leveren", True, {"buurt_code": "BU03630001"}, 1),
    ("neighbourhood", "buurten", "initiatiefnemer", "faciliteren", False, None, 1),
    ("web", "buurten", "deelnemer", "regisseren", False, {"wijk_code": "WK036300"}, 2),
    ("social", "belanghebbenden", "belanghebbende", "informeren", True, None, 2),
    ("email", "bestuur_en_organisatie", "kiezer", "informeren", False, {"postcode4": "1012"}, 3),
    ("phone", "belanghebbenden", "getroffene", "informeren", False, None, 3),
]


def interactions() -> list[Interaction]:
    """Feed interactions as the worker publishes them, oldest first; one carries hostile HTML."""
    result = []
    for index, (channel, perspective, citizen, municipality, review, area, ago) in enumerate(SPECS):
        moment = NOW - timedelta(hours=ago, minutes=index)
        result.append(
            Interaction.model_validate(
                {
                    "id": interaction_id("fixture", str(index)),
                    "channel": channel,
                    "source": "fixture",
                    "occurred_at": moment,
                    "received_at": moment,
                    "content": HOSTILE if index == 5 else f"Bericht {index} over {perspective}.",
                    "location": area,
                    "tags": {
                        "perspective": perspective,
                        "citizen_role": citizen,
                        "municipality_role": municipality,
                        "confidence": 0.4 if review else 0.9,
                        "reasons": [f"perspective: rule {perspective}"],
                        "needs_review": review,
                        "tagger_version": "test",
                    },
                },
                strict=False,
            )
        )
    return sorted(result, key=lambda i: i.occurred_at)


class StandIn:
    """The worker's /dashboard, /stats and /recent, fed from a list of interactions."""

    def __init__(self, feed: list[Interaction]) -> None:
        self.feed = feed
        self.failing = False
        self.malformed = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/dashboard", self.dashboard)
        app.router.add_get("/stats", self.stats)
        app.router.add_get("/recent", self.recent)
        return app

    async def dashboard(self, request: web.Request) -> web.Response:
        return web.Response(body=DASHBOARD_HTML.read_bytes(), content_type="text/html")

    async def stats(self, request: web.Request) -> web.Response:
        if self.failing:
            return web.Response(status=500)
        summary = stats.summarise((stats.stats_key(i, 0), 1) for i in self.feed)
        return web.Response(body=orjson.dumps(summary), content_type="application/json")

    async def recent(self, request: web.Request) -> web.Response:
        if self.malformed:
            return web.json_response([{"id": "no tags"}])
        newest = [i.model_dump(mode="json") for i in reversed(self.feed[-50:])]
        return web.Response(body=orjson.dumps(newest), content_type="application/json")


@asynccontextmanager
async def page_on(server: StandIn, chromium: str, profile: Path) -> AsyncIterator[Browser]:
    """Serve ``server`` on a free port and open its dashboard in headless Chromium."""
    runner = web.AppRunner(server.app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    browser = await Browser.launch(chromium, profile)
    try:
        await browser.navigate(f"http://127.0.0.1:{port}/dashboard")
        yield browser
    finally:
        await browser.close()
        await runner.cleanup()


def run(scenario: Callable[[], Coroutine[Any, Any, None]]) -> None:
    asyncio.run(scenario())


def test_page_shows_every_dimension_of_the_stand_in_data(chromium: str, tmp_path: Path) -> None:
    """Totals, perspectives, channels, areas, roles, review share and newest list match the data."""
    feed = interactions()

    async def scenario() -> None:
        async with page_on(StandIn(feed), chromium, tmp_path / "profile") as browser:
            await browser.wait_for(total_is(len(feed)), timeout_s=10, what="the total")
            texts = await shown(browser)
            items = await browser.evaluate(
                "[...document.querySelectorAll('[data-testid=recent-item]')].map(n => n.dataset.id)"
            )
            hostile_shown = await browser.evaluate(
                f"document.body.textContent.includes({orjson.dumps(HOSTILE).decode()})"
            )
            images = await browser.evaluate("document.querySelectorAll('img').length")
            await browser.screenshot(ARTIFACTS / "dashboard-stand-in.png")
            assert browser.exceptions == []

        perspectives = Counter(i.tags.perspective.value for i in feed)
        assert numbers(texts, "perspective-") == {
            p: perspectives[p] for p in numbers(texts, "perspective-")
        }
        assert set(perspectives) <= set(numbers(texts, "perspective-"))
        channels = Counter(i.channel.value for i in feed)
        assert {k: v for k, v in numbers(texts, "channel-").items() if v} == dict(channels)
        areas = Counter(i.location.area() if i.location else "onbekend" for i in feed)
        assert numbers(texts, "area-") == dict(areas)
        citizen = Counter(i.tags.citizen_role.value for i in feed)
        assert {k: v for k, v in numbers(texts, "citizen-role-").items() if v} == dict(citizen)
        municipality = Counter(i.tags.municipality_role.value for i in feed)
        shown_municipality = numbers(texts, "municipality-role-")
        assert {k: v for k, v in shown_municipality.items() if v} == dict(municipality)
        assert texts["review-count"] == str(sum(i.tags.needs_review for i in feed))
        assert texts["review-share"].replace("\u00a0", "") == "25%"
        assert texts["window-count"] == "4"
        assert items == [i.id for i in reversed(feed)]
        assert hostile_shown is True and images == 0

    run(scenario)


async def wait_state(browser: Browser, state: str) -> dict[str, str]:
    """Wait until the status shows ``state``; return what the page shows then."""
    await browser.wait_for(
        f"document.querySelector('[data-testid=status]').dataset.state === '{state}'",
        timeout_s=10,
        what=f"the {state} state",
    )
    return await shown(browser)


def test_page_flags_a_lost_worker_and_bad_data_then_recovers(chromium: str, tmp_path: Path) -> None:
    """A failing endpoint or malformed data is flagged, old numbers stay, new data shows live."""
    feed = interactions()
    server = StandIn(feed[:3])

    async def scenario() -> None:
        async with page_on(server, chromium, tmp_path / "profile") as browser:
            await browser.wait_for(total_is(3), timeout_s=10, what="the first total")
            server.failing = True
            lost = await wait_state(browser, "error")
            server.failing, server.malformed = False, True
            await browser.wait_for(
                "document.querySelector('[data-testid=status]').textContent.includes('Onverwacht')",
                timeout_s=10,
                what="the malformed-data message",
            )
            server.malformed, server.feed = False, feed
            await browser.wait_for(total_is(len(feed)), timeout_s=10, what="the new total")
            assert browser.exceptions == []
        assert lost["status"] == "Geen verbinding met de worker"
        assert lost["updated"].startswith("laatste stand")
        assert lost["total"] == "3"

    run(scenario)
