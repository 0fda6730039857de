"""Resume positions: the record format of the compacted offsets topic and the bookkeeping.

A position is stored only after every record it covers was acknowledged, so a restart may re-send
a few records (at least once) but never skips one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from pydantic import JsonValue

from schemas import ConnectOffset


def offset_key(connector: str, partition: str) -> bytes:
    """Key of a position on the compacted topic: compaction keeps the latest per partition."""
    return f"{connector}/{partition}".encode()


def offset_record(
    connector: str, partition: str, position: JsonValue, now: datetime | None = None
) -> ConnectOffset:
    """The record that stores ``position`` of one source partition (the published format)."""
    return ConnectOffset(
        connector=connector,
        partition=partition,
        position=position,
        updated_at=now or datetime.now(UTC),
    )


def latest_positions(
    records: Iterable[tuple[bytes | None, bytes | None]], connector: str
) -> dict[str, JsonValue]:
    """Replay the offsets topic (key, value) in order and keep the last position per partition.

    Records of other connectors are skipped; a tombstone (value None) forgets a partition; a
    value that is not an offset record is ignored rather than blocking every restart.
    """
    prefix = f"{connector}/".encode()
    positions: dict[str, JsonValue] = {}
    for key, value in records:
        if key is None or not key.startswith(prefix):
            continue
        partition = key[len(prefix) :].decode("utf-8", "replace")
        if value is None:
            positions.pop(partition, None)
            continue
        try:
            record = ConnectOffset.model_validate_json(value)
        except ValueError:
            continue
        if record.connector == connector:
            positions[record.partition] = record.position
    return positions


class PositionTracker:
    """Positions read so far versus positions stored; the runtime stores the difference."""

    def __init__(self, stored: dict[str, JsonValue] | None = None) -> None:
        self.stored: dict[str, JsonValue] = dict(stored or {})
        self._read: dict[str, JsonValue] = {}

    def advance(self, partition: str, position: JsonValue) -> None:
        """Note the position after a record that has been handed to the sink."""
        self._read[partition] = position

    def snapshot(self) -> dict[str, JsonValue]:
        """Positions read but not yet stored; store them once the sends before now are acked."""
        return {p: pos for p, pos in self._read.items() if self.stored.get(p, _MISSING) != pos}

    def mark_stored(self, positions: dict[str, JsonValue]) -> None:
        self.stored.update(positions)

    def rewind(self) -> None:
        """Forget positions read since the last store: those records will be read again."""
        self._read.clear()


_MISSING: object = object()
