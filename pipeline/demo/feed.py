"""Reading topics for display: assign every partition, start at the end or the beginning, poll.

No consumer group: a viewer must not take partitions away from real consumers or commit offsets.
"""

from __future__ import annotations

import queue
import threading
from dataclasses import dataclass

from pipeline.kafka_client import open_groupless_consumer
from pipeline.settings import Settings


@dataclass(frozen=True, slots=True)
class Seen:
    """One message read from a topic."""

    topic: str
    value: bytes | None
    headers: dict[str, bytes]


def resolve_topic(settings: Settings, name: str) -> str:
    """A short name (``interactions``, ``raw.phone``) gets the prefix; a full name stays."""
    if name.startswith(f"{settings.topic_prefix}."):
        return name
    return settings.topic(name)


def short_name(settings: Settings, topic: str) -> str:
    prefix = f"{settings.topic_prefix}."
    return topic[len(prefix) :] if topic.startswith(prefix) else topic


class TopicReader:
    """A group-less kafka-python consumer over whole topics."""

    def __init__(
        self, settings: Settings, topics: list[str], *, from_beginning: bool, wait_s: float = 10.0
    ) -> None:
        self._consumer, assigned = open_groupless_consumer(
            settings, topics, client_id="samenspel-view", wait_s=wait_s
        )
        if from_beginning:
            self._consumer.seek_to_beginning(*assigned)
        else:
            for tp, offset in self._consumer.end_offsets(assigned).items():
                self._consumer.seek(tp, offset)

    def poll(self, timeout_ms: int = 300) -> list[Seen]:
        out = []
        for batch in self._consumer.poll(timeout_ms=timeout_ms).values():
            for message in batch:
                headers = {key: value or b"" for key, value in message.headers or []}
                out.append(Seen(message.topic, message.value, headers))
        return out

    def close(self) -> None:
        self._consumer.close()


class BackgroundReader:
    """A TopicReader polled in a daemon thread; the asyncio side drains ``queue``."""

    def __init__(self, reader: TopicReader) -> None:
        self.reader = reader
        self.queue: queue.Queue[Seen] = queue.Queue()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="samenspel-feed", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            for seen in self.reader.poll(300):
                self.queue.put(seen)

    def drain(self) -> list[Seen]:
        out = []
        while True:
            try:
                out.append(self.queue.get_nowait())
            except queue.Empty:
                return out

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.reader.close()
