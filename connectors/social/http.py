"""HTTP helpers for polling connectors: turn HTTP trouble into the contract's signals.

429, 5xx and an exhausted rate-limit budget mean RetryLater (with the wait if the server says
it); no connection, a timeout, a rejected token or an unexpected answer mean NotConnected.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from pydantic import JsonValue

from connectors.contract import NotConnected, RetryLater


@dataclass(frozen=True, slots=True)
class Reply:
    """A JSON answer with the headers that matter for paging and rate limits."""

    body: JsonValue
    headers: Mapping[str, str]
    links: Mapping[str, str]


def seconds_until(reset: str | None, now: datetime | None = None) -> float | None:
    """Seconds until a reset time given as RFC 3339 or unix seconds; None if unreadable."""
    if not reset:
        return None
    now = now or datetime.now(UTC)
    if reset.isdigit():
        return max(0.0, float(reset) - now.timestamp())
    try:
        moment = datetime.fromisoformat(reset.replace("Z", "+00:00"))
    except ValueError:
        return None
    return max(0.0, (moment - now).total_seconds())


def check_budget(headers: Mapping[str, str], connector: str) -> None:
    """Raise RetryLater when ``X-RateLimit-Remaining`` says the budget is spent."""
    if headers.get("X-RateLimit-Remaining", "").strip() == "0":
        wait = seconds_until(headers.get("X-RateLimit-Reset"))
        raise RetryLater(f"{connector}: rate limit reached", retry_after=wait)


async def request_json(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    connector: str,
    timeout: float = 10.0,
    **kwargs: Any,
) -> Reply:
    """One request within ``timeout`` seconds; the JSON or a contract signal naming the problem.

    The deadline is asyncio's own, not aiohttp's ``ClientTimeout``: with the latter a cancelled
    reader was seen to lose its cancellation and keep polling, so the runtime could not stop it.
    """
    try:
        async with asyncio.timeout(timeout), session.request(method, url, **kwargs) as response:
            headers = {key: value for key, value in response.headers.items()}
            links = {
                str(rel): str(link["url"]) for rel, link in response.links.items() if "url" in link
            }
            if response.status == 429:
                wait = seconds_until(headers.get("Retry-After") or headers.get("X-RateLimit-Reset"))
                raise RetryLater(f"{connector}: HTTP 429 from {url}", retry_after=wait)
            if response.status >= 500:
                raise RetryLater(f"{connector}: HTTP {response.status} from {url}")
            if response.status in (401, 403):
                raise NotConnected(
                    f"{connector}: HTTP {response.status} from {url}: check the access token"
                )
            if response.status != 200:
                raise NotConnected(f"{connector}: unexpected HTTP {response.status} from {url}")
            try:
                body = await response.json(content_type=None)
            except ValueError as exc:
                raise NotConnected(f"{connector}: {url} did not answer JSON") from exc
            return Reply(body, headers, links)
    except (TimeoutError, aiohttp.ClientConnectionError) as exc:
        raise NotConnected(f"{connector}: cannot reach {url}: {type(exc).__name__}") from exc
