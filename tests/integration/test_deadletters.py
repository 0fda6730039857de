"""Dead letters end to end: list them, fix the cause, replay, and nothing is published twice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.settings import Settings
from schemas import Interaction
from tests.kafka_helpers import create_topics, produce, read_topic, start_worker, wait_for_size

pytestmark = pytest.mark.kafka


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "SAMENSPEL_TOPIC_PREFIX": settings.topic_prefix,
    }
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "deadletters", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def event(event_id: str, text: str) -> bytes:
    return json.dumps(
        {"id": event_id, "channel": "web", "source": "open-forms",
         "occurred_at": "2026-11-30T09:00:00Z", "text": text}
    ).encode()  # fmt: skip


def test_replay_after_a_fix_publishes_once(kafka_settings: Settings, tmp_path: Path) -> None:
    """Events over a strict size limit are dead-lettered; after raising it, they replay once."""
    settings = kafka_settings
    create_topics(settings)
    long_text = "Graag een afspraak voor een nieuw paspoort. " * 60
    produce(settings, settings.topic("raw.web"), [
        (b"big-1", event("big-1", long_text)),
        (b"big-2", event("big-2", long_text)),
        (b"ok-1", event("ok-1", "Wanneer wordt het grofvuil opgehaald?")),
        (b"junk", b"not json at all"),
    ])  # fmt: skip
    strict = start_worker(settings, tmp_path / "strict.log", SAMENSPEL_MAX_EVENT_BYTES=2048)
    try:
        strict.wait_ready()
        assert wait_for_size(settings, settings.topic("deadletter"), at_least=3) == 3
    finally:
        strict.stop()

    listed = cli(settings, "list")
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.count("stage=parse") == 3
    assert "TooLarge" in listed.stdout and "InvalidJson" in listed.stdout
    assert cli(settings, "replay").returncode == 1  # no criterion: refused
    relaxed = start_worker(settings, tmp_path / "relaxed.log", worker_id="w2")
    try:
        relaxed.wait_ready()
        for _ in range(2):  # replaying twice must not publish twice
            replayed = cli(settings, "replay", "--error-class", "TooLarge")
            assert replayed.returncode == 0, replayed.stderr
            assert "replayed 2 dead letter(s)" in replayed.stdout
        records = read_topic(settings, settings.topic("interactions"), expect=4, timeout_s=30)
    finally:
        relaxed.stop()
    ids = [Interaction.model_validate_json(r.value or b"").id for r in records]
    assert len(ids) == 3 == len(set(ids))
