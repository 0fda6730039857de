"""Delivers the traffic model's emissions the way the real sources would.

Webhooks are POSTed, signed like the real senders (``<ts>.<body>`` for ours, the body alone for
Meta); statuses and proposals go into the fake APIs the polling connectors read; CDR lines are
appended to the ``Master.csv`` the Asterisk connector follows; malformed bytes go straight to a
raw topic, as a misbehaving producer would put them there.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

from pipeline.connect.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from pipeline.demo.fakes import FakeDecidim, FakeMastodon
from pipeline.demo.traffic import Emission
from pipeline.logs import get_logger

_log = get_logger(__name__)
NO_TIMESTAMP = frozenset({"meta-webhook"})
"""Webhooks whose real sender signs the body only (Meta has no timestamp header)."""


@dataclass
class Outcome:
    """What happened to the emissions so far: delivered, refused (401), failed otherwise."""

    delivered: int = 0
    refused: int = 0
    failed: int = 0
    by_target: dict[str, int] = field(default_factory=dict)


class Sources:
    """Routes emissions; ``close`` waits for webhook requests still in flight."""

    def __init__(
        self,
        *,
        webhook_url: str,
        secrets: dict[str, str],
        mastodon: FakeMastodon,
        decidim: FakeDecidim,
        cdr_file: Path,
        producer: Any,
        raw_topic_of: dict[str, str],
        max_in_flight: int = 32,
    ) -> None:
        self.webhook_url = webhook_url.rstrip("/")
        self.secrets = secrets
        self.mastodon = mastodon
        self.decidim = decidim
        self.cdr_file = cdr_file
        self.producer = producer
        self.raw_topic_of = raw_topic_of
        self.outcome = Outcome()
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: set[asyncio.Task[None]] = set()

    def deliver(self, emission: Emission) -> None:
        """Hand one emission to its source (webhooks run as tasks, the rest at once)."""
        target = emission.target
        self.outcome.by_target[target] = self.outcome.by_target.get(target, 0) + 1
        if target == "mastodon":
            self.mastodon.add(json.loads(emission.body))
        elif target == "decidim":
            self.decidim.add(json.loads(emission.body))
        elif target == "asterisk-cdr":
            with self.cdr_file.open("ab") as handle:
                handle.write(emission.body)
        elif target == "raw":
            self.producer.send(self.raw_topic_of[emission.channel], value=emission.body)
        else:
            task = asyncio.create_task(self._post(emission))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            return
        self.outcome.delivered += 1

    def headers(self, emission: Emission, now: float) -> dict[str, str]:
        """Signature headers; a forged emission is signed with a wrong key."""
        secret = self.secrets[emission.target].encode()
        if not emission.signed:
            secret = b"not-the-shared-secret"
        headers = {"Content-Type": "application/json"}
        timestamp = None if emission.target in NO_TIMESTAMP else str(int(now))
        if timestamp is not None:
            headers[TIMESTAMP_HEADER] = timestamp
        headers[SIGNATURE_HEADER] = sign(secret, emission.body, timestamp)
        return headers

    async def _post(self, emission: Emission) -> None:
        url = f"{self.webhook_url}/hooks/{emission.target}"
        async with self._slots:
            try:
                async with self._session.post(
                    url, data=emission.body, headers=self.headers(emission, time.time())
                ) as response:
                    status = response.status
            except (aiohttp.ClientError, TimeoutError) as exc:
                self.outcome.failed += 1
                _log.warning("webhook post failed", target=emission.target, error=str(exc))
                return
        if status == 401:
            self.outcome.refused += 1
        elif status < 300:
            self.outcome.delivered += 1
        else:
            self.outcome.failed += 1

    async def close(self) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=10)
        await self._session.close()
        self.producer.flush(timeout=10)
