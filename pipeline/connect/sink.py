"""Where records go: an interface with one awaitable ``send`` that completes on acknowledgement.

The runtime and the webhook receiver depend on this protocol only; ``pipeline.connect.kafka``
implements it with kafka-python, tests use an in-memory fake.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

Headers = Sequence[tuple[str, bytes]]


class Sink(Protocol):
    """A producer whose ``send`` returns only when the broker acknowledged the record."""

    async def send(self, topic: str, key: bytes | None, value: bytes, headers: Headers) -> None:
        """Produce one record; raise when it cannot be acknowledged."""
        ...


class SinkError(Exception):
    """A record was not acknowledged (broker down, timeout): the caller must not store positions."""
