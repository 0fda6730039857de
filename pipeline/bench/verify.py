"""The fault tests' verifier: is every input event on the feed exactly once, in order per raw key?

Pure: it compares the events that were produced with the feed records that were read. The feed is
keyed by interaction id, so events of one raw key land on different feed partitions; their order is
judged by the feed records' producer timestamps (events of one raw key share a raw partition and
are published in raw order, so a later event must not carry an earlier timestamp).
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from pipeline.bench.events import BenchEvent


@dataclass(frozen=True, slots=True)
class FeedRecord:
    key: bytes
    timestamp: int
    partition: int
    offset: int


@dataclass
class Verdict:
    expected: int
    received: int
    missing: list[str] = field(default_factory=list)
    duplicated: dict[str, int] = field(default_factory=dict)
    unexpected: list[str] = field(default_factory=list)
    order_violations: list[tuple[bytes, int, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.duplicated or self.unexpected or self.order_violations)

    def summary(self) -> str:
        return (
            f"expected {self.expected}, feed records {self.received}, missing {len(self.missing)}, "
            f"duplicated {len(self.duplicated)} (extra copies "
            f"{sum(self.duplicated.values()) - len(self.duplicated)}), "
            f"unexpected {len(self.unexpected)}, order violations {len(self.order_violations)}"
        )


def verify_feed(events: Sequence[BenchEvent], records: Sequence[FeedRecord]) -> Verdict:
    """Exactly once by interaction id; per raw key, feed timestamps non-decreasing in ``seq``."""
    counts = Counter(record.key.decode() for record in records)
    expected = {event.interaction_id for event in events}
    verdict = Verdict(expected=len(expected), received=len(records))
    verdict.missing = sorted(expected - set(counts))
    verdict.duplicated = {key: n for key, n in counts.items() if n > 1}
    verdict.unexpected = sorted(set(counts) - expected)
    first_stamp: dict[str, int] = {}
    for record in records:
        feed_id = record.key.decode()
        first_stamp[feed_id] = min(first_stamp.get(feed_id, record.timestamp), record.timestamp)
    by_key: dict[bytes, list[BenchEvent]] = {}
    for event in events:
        by_key.setdefault(event.key, []).append(event)
    for raw_key, group in by_key.items():
        published = sorted(
            (event.seq, first_stamp[event.interaction_id])
            for event in group
            if event.interaction_id in first_stamp
        )
        for (seq_a, stamp_a), (seq_b, stamp_b) in itertools.pairwise(published):
            if stamp_a > stamp_b:
                verdict.order_violations.append((raw_key, seq_a, seq_b))
    return verdict
