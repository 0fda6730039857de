"""The webhook receiver's ingest rate: signed web-chat transcripts POSTed concurrently.

A request counts only when answered 2xx, which the receiver sends after Kafka acknowledged the
record, so the rate is of stored events, not of accepted sockets.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

import aiohttp
import orjson

from pipeline.bench.events import BenchEvent
from pipeline.errors import SamenspelError

CONNECTOR = "webchat-webhook"
SECRET = "bench-webhook-secret"


def transcript(event: BenchEvent, number: int) -> bytes:
    """A web-chat transcript carrying the event's text as the resident's one message."""
    raw = orjson.loads(event.value)
    return orjson.dumps(
        {
            "conversation_id": f"{raw['id']}-chat-{number}",
            "topic": raw.get("subject"),
            "language": "nl",
            "started_at": raw["occurred_at"],
            "resident": {"email": f"inwoner{number}@example.nl"},
            "messages": [
                {"role": "resident", "sent_at": raw["occurred_at"], "text": raw["text"]},
            ],
        }
    )


async def post_all(
    port: int, bodies: Sequence[bytes], *, secret: str = SECRET, concurrency: int = 32
) -> float:
    """POST every body (signed, timestamped); return stored requests per second."""
    from pipeline.connect.signature import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

    url = f"http://127.0.0.1:{port}/hooks/{CONNECTOR}"
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    failures: list[int] = []

    async def sender(session: aiohttp.ClientSession) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            stamp = str(int(time.time()))
            headers = {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(secret.encode(), body, stamp),
                TIMESTAMP_HEADER: stamp,
            }
            async with session.post(url, data=body, headers=headers) as response:
                await response.read()
                if response.status >= 300:
                    failures.append(response.status)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.perf_counter()
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    if failures:
        raise SamenspelError(
            f"webhook receiver refused {len(failures)} of {len(bodies)} requests "
            f"(first status {failures[0]})"
        )
    return len(bodies) / elapsed
