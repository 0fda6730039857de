"""Realistic bench input: dev-set texts over the five channels, some carrying phone numbers and
e-mail addresses so that masking and pseudonymising cost what they cost in production.

Pure: no Kafka. Every event has a unique id; events share a raw key (a "caller") so that order per
key can be checked, and carry ``seq`` (position within the key) in their metadata.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

from pipeline.errors import SamenspelError
from pipeline.settings import RAW_CHANNELS
from pipeline.tagging.data import load_labelled
from schemas import interaction_id

DEV_TEXTS = Path(__file__).resolve().parent.parent.parent / "data" / "labelled" / "dev.jsonl"
BASE_TIME = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
IDENTIFIER_SHARE = 0.3
"""Share of events whose text names a phone number or e-mail address (and that carry a party)."""


@dataclass(frozen=True, slots=True)
class BenchEvent:
    """One raw event ready to produce, with the feed id it must end up under."""

    channel: str
    key: bytes
    value: bytes
    interaction_id: str
    seq: int


def load_texts(path: Path = DEV_TEXTS) -> dict[str, list[tuple[str, str | None]]]:
    """(text, subject) pairs per channel from the labelled dev set; every channel must have some."""
    if not path.exists():
        raise SamenspelError(f"bench texts not found: {path}")
    per_channel: dict[str, list[tuple[str, str | None]]] = {c: [] for c in RAW_CHANNELS}
    for row in load_labelled(path):
        per_channel.setdefault(row.channel.value, []).append((row.text, row.subject))
    empty = [channel for channel in RAW_CHANNELS if not per_channel.get(channel)]
    if empty:
        raise SamenspelError(f"{path} has no texts for channel(s) {', '.join(empty)}")
    return per_channel


def _with_identifier(text: str, rng: random.Random, number: int) -> tuple[str, str, str]:
    """Append a phone number or e-mail address to the text; return text, party and its kind."""
    if rng.random() < 0.5:
        phone = f"06-{10_000_000 + number % 89_999_999}"
        return f"{text} Bel mij terug op {phone}.", phone, "phone"
    email = f"inwoner{number}@example.nl"
    return f"{text} Mail graag naar {email}.", email, "email"


def make_events(
    count: int,
    *,
    run: str,
    per_key: int = 5,
    seed: int = 7,
    texts: dict[str, list[tuple[str, str | None]]] | None = None,
) -> list[BenchEvent]:
    """``count`` events, round-robin over the channels; ``per_key`` consecutive events share a key.

    ``run`` goes into every id so that two runs on the same topics never collide in the dedupe
    table. ``occurred_at`` rises with ``seq`` within a key.
    """
    if count < 0:
        raise SamenspelError(f"event count must be >= 0, got {count}")
    if per_key < 1:
        raise SamenspelError(f"events per key must be >= 1, got {per_key}")
    pool = texts or load_texts()
    rng = random.Random(seed)
    events: list[BenchEvent] = []
    for number in range(count):
        group, seq = divmod(number, per_key)
        channel = RAW_CHANNELS[group % len(RAW_CHANNELS)]
        text, subject = rng.choice(pool[channel])
        source = f"bench-{channel}"
        event_id = f"{run}-{number}"
        body: dict[str, object] = {
            "id": event_id,
            "channel": channel,
            "source": source,
            "occurred_at": (BASE_TIME + timedelta(seconds=group * 60 + seq)).isoformat(),
            "text": text,
            "subject": subject,
            "metadata": {"seq": seq, "caller": group},
        }
        if rng.random() < IDENTIFIER_SHARE:
            body["text"], body["party"], body["party_kind"] = _with_identifier(text, rng, number)
        events.append(
            BenchEvent(
                channel=channel,
                key=f"{run}-caller-{group}".encode(),
                value=orjson.dumps(body),
                interaction_id=interaction_id(source, event_id),
                seq=seq,
            )
        )
    return events
