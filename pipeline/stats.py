"""Hourly tumbling-window counts per perspective × channel × area, as pure functions.

Keys carry the source partition, so that each partition's counts live in its own changelog
partition and survive rebalances; readers sum over partitions.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from schemas import Interaction, StatsRecord

WINDOW = timedelta(hours=1)
HISTORY = timedelta(days=1)
_SEP = "|"


def window_start(moment: datetime) -> datetime:
    """Start of the hourly window (UTC) that holds ``moment``."""
    utc = moment.astimezone(UTC)
    return utc.replace(minute=0, second=0, microsecond=0)


def stats_key(interaction: Interaction, partition: int) -> str:
    start = window_start(interaction.occurred_at)
    area = interaction.location.area() if interaction.location else "onbekend"
    return _SEP.join(
        (
            start.isoformat(),
            interaction.tags.perspective.value,
            interaction.channel.value,
            area,
            str(partition),
        )
    )


def parse_key(key: str) -> tuple[datetime, str, str, str, int]:
    start, perspective, channel, area, partition = key.split(_SEP)
    return datetime.fromisoformat(start), perspective, channel, area, int(partition)


def expired(key: str, now: datetime) -> bool:
    """True when the key's window ended more than a day before ``now``."""
    return parse_key(key)[0] + WINDOW < now - HISTORY


def to_record(key: str, count: int) -> StatsRecord:
    start, perspective, channel, area, _partition = parse_key(key)
    return StatsRecord.model_validate(
        {
            "window_start": start,
            "window_end": start + WINDOW,
            "perspective": perspective,
            "channel": channel,
            "area": area,
            "count": count,
        },
        strict=False,
    )


def summarise(entries: Iterable[tuple[str, int]]) -> dict[str, Any]:
    """The /stats JSON: totals, and counts per window and dimension summed over partitions."""
    windows: dict[str, dict[str, dict[str, int]]] = defaultdict(
        lambda: {
            "perspective": defaultdict(int),
            "channel": defaultdict(int),
            "area": defaultdict(int),
        }
    )
    cells: dict[tuple[str, str, str, str], int] = defaultdict(int)
    total = 0
    for key, count in entries:
        start, perspective, channel, area, _partition = parse_key(key)
        window = start.isoformat()
        windows[window]["perspective"][perspective] += count
        windows[window]["channel"][channel] += count
        windows[window]["area"][area] += count
        cells[(window, perspective, channel, area)] += count
        total += count
    return {
        "total": total,
        "windows": {
            w: {dim: dict(v) for dim, v in dims.items()} for w, dims in sorted(windows.items())
        },
        "cells": [
            {"window_start": w, "perspective": p, "channel": c, "area": a, "count": n}
            for (w, p, c, a), n in sorted(cells.items())
        ],
    }
