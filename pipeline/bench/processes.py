"""Child processes the bench starts (``samenspel worker``, the webhook receiver), with readiness
checks over HTTP and a clean stop; their output goes to a log file for the report."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import SamenspelError
from pipeline.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    """Environment that points a child at the same broker, prefix and key as the bench."""
    return {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
        "SAMENSPEL_TOPIC_PREFIX": settings.topic_prefix,
        "SAMENSPEL_PSEUDONYM_KEY": settings.pseudonym_key or "",
        "SAMENSPEL_PROCESSING_GUARANTEE": settings.processing_guarantee,
        **extra,
    }


@dataclass
class Child:
    """A started child process with its HTTP port and log."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path

    @classmethod
    def start(cls, args: list[str], env: dict[str, str], port: int, log_path: Path) -> Child:
        log_path.parent.mkdir(parents=True, exist_ok=True)
        with log_path.open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, *args], env=env, stdout=log, stderr=subprocess.STDOUT
            )
        return cls(process, port, log_path)

    def status(self, path: str) -> int:
        """HTTP status of ``GET path``; 0 when nothing answers yet."""
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as err:
            return int(err.code)
        except OSError:
            return 0

    def wait_ready(self, path: str, timeout_s: float = 90.0) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SamenspelError(
                    f"{self.log_path.stem} exited with {self.process.returncode}: {self.log_tail()}"
                )
            if self.status(path) == 200:
                return
            time.sleep(0.3)
        raise SamenspelError(f"{self.log_path.stem} not ready within {timeout_s:.0f} s")

    def log_tail(self, lines: int = 5) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def stop(self, timeout_s: float = 30.0) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout_s)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL, no goodbye: what the fault tests do to it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


def start_worker(
    settings: Settings, log_path: Path, *, worker_id: str = "bench", **extra: str
) -> Child:
    """``samenspel worker`` for the settings' prefix, web pages on a free port."""
    port = free_port()
    env = child_env(settings, SAMENSPEL_WEB_PORT=str(port), SAMENSPEL_WORKER_ID=worker_id, **extra)
    return Child.start(["-m", "pipeline", "worker"], env, port, log_path)


CONNECT_HOST = """
import argparse, sys
from pipeline.cli import connect_cmd
parser = argparse.ArgumentParser()
connect_cmd.register(parser.add_subparsers())
args = parser.parse_args(sys.argv[1:])
sys.exit(args.func(args))
"""
"""Runs ``samenspel webhooks`` / ``samenspel connect`` through their module's own register(),
whether or not the lead has added it to the CLI's module list yet."""


def start_webhooks(settings: Settings, log_path: Path, secrets: dict[str, str]) -> Child:
    """The webhook receiver with one secret per served connector, on a free port."""
    port = free_port()
    env = child_env(
        settings,
        **{
            "SAMENSPEL_WEBHOOK_SECRET_" + name.upper().replace("-", "_"): secret
            for name, secret in secrets.items()
        },
    )
    args = ["-c", CONNECT_HOST, "webhooks", "--host", "127.0.0.1", "--port", str(port)]
    return Child.start(args, env, port, log_path)


def start_connector(settings: Settings, name: str, config: Path, log_path: Path) -> Child:
    """``samenspel connect NAME --config CONFIG`` with its health page on a free port."""
    port = free_port()
    args = ["-c", CONNECT_HOST, "connect", name, "--config", str(config), "--port", str(port)]
    return Child.start(args, child_env(settings), port, log_path)
