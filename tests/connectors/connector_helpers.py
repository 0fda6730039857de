"""Helpers for the connector tests: sample payloads and reading a connector for a while."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from connectors.contract import BadRecord, Connector, SourceRecord

DATA = Path(__file__).resolve().parents[1] / "data"

Record = SourceRecord | BadRecord


def sample(relative: str) -> bytes:
    """The bytes of a sample payload under tests/data."""
    return (DATA / relative).read_bytes()


async def take(connector: Connector[Any], n: int, timeout: float = 5.0) -> list[Record]:
    """The first ``n`` records the connector reads (fails the test after ``timeout``)."""
    records: list[Record] = []
    stream: AsyncIterator[Record] = connector.read()

    async def collect() -> None:
        async for record in stream:
            records.append(record)
            if len(records) >= n:
                return

    try:
        await asyncio.wait_for(collect(), timeout)
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    return records


async def until_signal(
    connector: Connector[Any], timeout: float = 5.0
) -> tuple[list[Record], BaseException]:
    """Everything read before the connector raised, and what it raised."""
    records: list[Record] = []
    stream: AsyncIterator[Record] = connector.read()
    try:
        async with asyncio.timeout(timeout):
            async for record in stream:
                records.append(record)
    except TimeoutError:
        raise
    except Exception as exc:
        return records, exc
    finally:
        await stream.aclose()  # type: ignore[attr-defined]
    raise AssertionError("read() ended without a signal")


def ids(records: list[Record]) -> list[str]:
    """The event ids of the good records, in order."""
    return [r.event.id for r in records if isinstance(r, SourceRecord)]
