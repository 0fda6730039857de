"""`samenspel demo` end to end on the local broker: all five channels, nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pytest

from pipeline.settings import Settings
from tests.kafka_helpers import read_topic

pytestmark = pytest.mark.kafka
CHANNELS = {"phone", "counter", "web", "social", "neighbourhood"}
FEED_CHANNEL = {"email": "web", "field": "neighbourhood"}


def demo_command(prefix: str, *extra: str) -> list[str]:
    # pipeline.demo.launch is the samenspel CLI with the demo's commands registered.
    return [
        sys.executable, "-m", "pipeline.demo.launch", "demo", "--no-kafka-start",
        "--topic-prefix", prefix, "--seed", "7", *extra,
    ]  # fmt: skip


def processes_with_prefix(prefix: str) -> list[int]:
    """Pids of live processes started with SAMENSPEL_TOPIC_PREFIX=<prefix> (the demo's children)."""
    marker = f"SAMENSPEL_TOPIC_PREFIX={prefix}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            environ = (entry / "environ").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if marker in environ and state != "Z":
            found.append(int(entry.name))
    return found


def environment(kafka_bootstrap: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SAMENSPEL_TOPIC_PREFIX"}
    env["KAFKA_BOOTSTRAP_SERVERS"] = kafka_bootstrap
    return env


def test_demo_feeds_all_five_channels_and_leaves_no_process(
    kafka_bootstrap: str, tmp_path: Path
) -> None:
    """A 25 s demo puts interactions of all five channels on the feed and stops every child."""
    prefix = f"demo{uuid.uuid4().hex[:8]}"
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        result = subprocess.run(
            demo_command(prefix, "--duration", "25"),
            env=environment(kafka_bootstrap),
            stdout=out,
            stderr=subprocess.STDOUT,
            timeout=240,
            check=False,
        )
    output = log.read_text(errors="replace")
    assert result.returncode == 0, output[-2000:]
    assert "using a generated development key" in output or "SAMENSPEL_PSEUDONYM_KEY" in output
    assert processes_with_prefix(prefix) == []
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=prefix)
    feed = read_topic(settings, settings.topic("interactions"), expect=100, timeout_s=30)
    channels = {orjson.loads(r.value or b"{}")["channel"] for r in feed}
    assert {FEED_CHANNEL.get(c, c) for c in channels} >= CHANNELS
    dead = read_topic(settings, settings.topic("deadletter"), expect=2, timeout_s=10)
    stages = {r.headers.get("samenspel_stage") for r in dead}
    assert {b"parse", b"connector"} <= stages
    assert "refused webhooks 1" in output or "refused webhooks 2" in output


def test_sigint_in_the_middle_stops_everything(kafka_bootstrap: str, tmp_path: Path) -> None:
    """Ctrl-C while traffic flows ends the demo with status 0 and no child left running."""
    prefix = f"demo{uuid.uuid4().hex[:8]}"
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        demo = subprocess.Popen(
            demo_command(prefix), env=environment(kafka_bootstrap), stdout=out,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while "traffic starts" not in log.read_text() and time.monotonic() < deadline:
                assert demo.poll() is None, log.read_text()[-2000:]
                time.sleep(0.5)
            time.sleep(3)
            assert len(processes_with_prefix(prefix)) >= 5
            demo.send_signal(signal.SIGINT)
            status = demo.wait(timeout=60)
        finally:
            if demo.poll() is None:
                demo.kill()
    assert status == 0, log.read_text()[-2000:]
    assert processes_with_prefix(prefix) == []
    assert "stopping worker, webhook receiver and connectors" in log.read_text()
