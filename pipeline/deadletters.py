"""Reading and replaying the dead-letter topic.

A dead letter keeps the original key and bytes, and ``samenspel_*`` headers that say what failed.
Replay sends selected ones back to their original raw topic with their original key; the worker's
dedupe (the ``seen`` table and the primed feed tail) drops those whose interaction already made it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pipeline.errors import SamenspelError
from pipeline.kafka_client import open_groupless_consumer, records_to_end, security_kwargs
from pipeline.privacy import mask_text
from pipeline.settings import Settings

HEADER_PREFIX = "samenspel_"


@dataclass(frozen=True)
class DeadLetterRecord:
    """One dead letter as read from the topic."""

    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: dict[str, str]

    @property
    def stage(self) -> str:
        return self.headers.get("stage", "?")

    @property
    def original_topic(self) -> str:
        return self.headers.get("original_topic", "?")

    def summary(self) -> str:
        """One readable line; the reason is masked and the original bytes are not shown."""
        where = f"{self.original_topic}[{self.headers.get('original_partition', '?')}]"
        where += f"@{self.headers.get('original_offset', '?')}"
        reason = mask_text(self.headers.get("error_message", "")).text
        return (
            f"{self.partition}:{self.offset}  {self.headers.get('failed_at', '?')[:19]}  "
            f"stage={self.stage}  {self.headers.get('error_class', '?')}  from {where}  {reason}"
        )


@dataclass(frozen=True)
class Selection:
    """Which dead letters to act on; every given criterion must match."""

    stage: str | None = None
    error_class: str | None = None
    original_topic: str | None = None
    since: datetime | None = None
    offsets: tuple[int, int] | None = None

    def matches(self, record: DeadLetterRecord) -> bool:
        if self.stage and record.stage != self.stage:
            return False
        if self.error_class and record.headers.get("error_class") != self.error_class:
            return False
        if self.original_topic and record.original_topic != self.original_topic:
            return False
        if self.offsets and not self.offsets[0] <= record.offset <= self.offsets[1]:
            return False
        if self.since:
            failed_at = _aware_time(record.headers.get("failed_at"))
            if failed_at is None or failed_at < self.since:
                return False
        return True


def _aware_time(text: str | None) -> datetime | None:
    """A header's ISO time with its zone, or None when missing, malformed or without a zone
    (another producer's record must not stop a listing; it cannot be placed in time)."""
    try:
        moment = datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is not None else None


def parse_offsets(text: str) -> tuple[int, int]:
    """``12`` or ``10-20`` into an inclusive range."""
    low, _, high = text.partition("-")
    try:
        return int(low), int(high or low)
    except ValueError:
        raise SamenspelError(f"--offsets expects N or N-M, got {text!r}") from None


def read_dead_letters(settings: Settings) -> Iterator[DeadLetterRecord]:
    """Every record of the dead-letter topic, from the beginning to the current end."""
    topic = settings.topic("deadletter")
    consumer, tps = open_groupless_consumer(settings, [topic], client_id="samenspel-deadletters")
    try:
        for message in records_to_end(consumer, tps):
            yield _record(message)
    finally:
        consumer.close()


def _record(message: Any) -> DeadLetterRecord:
    headers = {
        key[len(HEADER_PREFIX) :]: (value or b"").decode("utf-8", "replace")
        for key, value in message.headers or []
        if key.startswith(HEADER_PREFIX)
    }
    return DeadLetterRecord(message.partition, message.offset, message.key, message.value, headers)


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped_not_raw: int = 0

    def line(self) -> str:
        text = f"replayed {self.replayed} dead letter(s)"
        if self.skipped_not_raw:
            text += f"; skipped {self.skipped_not_raw} that did not come from a raw topic"
        return text


def replay(settings: Settings, records: Iterable[DeadLetterRecord]) -> ReplayReport:
    """Send dead letters back to their raw topic, with their key and a header naming the source."""
    from kafka import KafkaProducer

    raw_topics = set(settings.raw_topics())
    report = ReplayReport()
    producer = KafkaProducer(
        bootstrap_servers=settings.bootstrap_list(),
        acks="all",
        enable_idempotence=True,
        client_id="samenspel-replay",
        **security_kwargs(settings),
    )
    try:
        futures = []
        for record in records:
            if record.original_topic not in raw_topics or record.value is None:
                report.skipped_not_raw += 1
                continue
            source = f"deadletter:{record.partition}:{record.offset}".encode()
            futures.append(
                producer.send(
                    record.original_topic,
                    key=record.key,
                    value=record.value,
                    headers=[("samenspel_replayed_from", source)],
                )
            )
        producer.flush()
        for future in futures:
            future.get(timeout=30)
        report.replayed = len(futures)
    finally:
        producer.close()
    return report
