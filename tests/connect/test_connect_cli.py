"""The connect, connectors and webhooks commands: listing, refusals, and a real run with SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import yaml

from connectors.registry import load_connectors
from connectors.testing.harness import AsteriskHarness
from pipeline.cli import connect_cmd
from pipeline.connect.kafka import read_offsets_topic
from pipeline.errors import SamenspelError
from pipeline.settings import Settings, get_settings

# Runs the sub-commands without depending on pipeline.cli.COMMAND_MODULES (owned by the lead).
RUNNER = """
import argparse, sys
from pipeline.cli import connect_cmd
parser = argparse.ArgumentParser()
connect_cmd.register(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""


def _invoke(*argv: str) -> int:
    parser = argparse.ArgumentParser()
    connect_cmd.register(parser.add_subparsers())
    args = parser.parse_args(list(argv))
    return int(args.func(args))


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """A clean settings cache around each test that changes the environment."""
    monkeypatch.setenv("SAMENSPEL_PSEUDONYM_KEY", "k" * 32)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_connectors_lists_every_installed_connector_with_its_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each registered connector appears with its kind, channel and config fields."""
    assert _invoke("connectors") == 0
    out = capsys.readouterr().out
    for name, cls in load_connectors().items():
        assert f"{name}  [" in out
        assert f"channel {cls.channel.value}" in out
    assert "secret (string, required)" in out


def test_connect_refuses_without_pseudonym_key(env: pytest.MonkeyPatch) -> None:
    """The privacy policy holds for connectors too."""
    env.delenv("SAMENSPEL_PSEUDONYM_KEY")
    get_settings.cache_clear()
    with pytest.raises(SamenspelError, match="no pseudonym key configured"):
        _invoke("connect", "asterisk-cdr")


def test_webhooks_refuse_without_pseudonym_key(env: pytest.MonkeyPatch) -> None:
    """The webhook receiver refuses to start without a pseudonym key."""
    env.delenv("SAMENSPEL_PSEUDONYM_KEY")
    get_settings.cache_clear()
    with pytest.raises(SamenspelError, match="no pseudonym key configured"):
        _invoke("webhooks")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("connect", "nope"), "unknown connector 'nope'"),
        (("connect", "meta-webhook"), "is a webhook connector"),
        (("webhooks",), "no webhook connector configured"),
    ],
)
def test_connect_and_webhooks_name_what_is_wrong(
    env: pytest.MonkeyPatch, argv: tuple[str, ...], message: str
) -> None:
    """Unknown names, the wrong command and missing config are one-line errors."""
    for key in list(os.environ):
        if key.startswith("SAMENSPEL_WEBHOOK_SECRET_"):
            env.delenv(key)
    with pytest.raises(SamenspelError, match=message):
        _invoke(*argv)


def test_connect_reports_bad_config(env: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A config without a required field stops the start with the field named."""
    config = tmp_path / "cdr.yaml"
    config.write_text("mode: follow\n")
    with pytest.raises(SamenspelError, match="bad config for connector 'asterisk-cdr': path"):
        _invoke("connect", "asterisk-cdr", "--config", str(config))


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as error:
        return int(error.code)


@pytest.mark.kafka
def test_connect_runs_serves_health_and_stops_on_sigterm(
    tmp_path: Path, kafka_bootstrap: str, topic_prefix: str
) -> None:
    """A real run produces, answers /health 200, and on SIGTERM stores its position and exits 0."""
    source = AsteriskHarness(tmp_path / "cdr")
    asyncio.run(source.start(3))
    config = tmp_path / "cdr.yaml"
    config.write_text(yaml.safe_dump(source.config()))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_bootstrap,
        "SAMENSPEL_TOPIC_PREFIX": topic_prefix,
        "SAMENSPEL_PSEUDONYM_KEY": "k" * 32,
    }
    argv = ["connect", "asterisk-cdr", "--config", str(config), "--port", str(port)]
    process = subprocess.Popen(
        [sys.executable, "-c", RUNNER, *argv],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        status = 0
        while time.monotonic() < deadline and status != 200:
            time.sleep(0.2)
            try:
                status = _get(f"http://127.0.0.1:{port}/health")
            except OSError:
                continue
        assert status == 200
        time.sleep(1.5)  # at least one position commit
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0, process.stderr.read() if process.stderr else ""
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    settings = Settings(kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix)
    offsets = read_offsets_topic(settings, settings.topic("connect.offsets"))
    assert offsets, "no position stored"
    last = orjson.loads(offsets[-1][1] or b"{}")
    assert last["connector"] == "asterisk-cdr"
    assert last["position"]["offset"] == source.path.stat().st_size
