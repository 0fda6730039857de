"""``samenspel demo``: Kafka, topics, worker, webhook receiver and connectors, fed and shown live.

Order: make sure a broker runs (start the local one only if none runs, and then stop it at the
end), apply the topics, start the fake sources, start the children (each in its own process
group), wait until the worker is ready, then run the traffic model and show the feed. Ctrl-C,
SIGTERM or the end of ``--duration`` stop the traffic, let the worker catch up briefly and stop
every child; ``finally`` blocks make sure that also happens after an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import aiohttp
import yaml
from aiohttp import web
from rich.console import Console
from rich.live import Live

from pipeline import local_kafka
from pipeline.connect.config import webhook_secret_env
from pipeline.demo.fakes import DECIDIM_PROCESS, FakeDecidim, FakeMastodon
from pipeline.demo.feed import BackgroundReader, TopicReader
from pipeline.demo.pool import CHANNELS, load_pool
from pipeline.demo.processes import Children
from pipeline.demo.sources import Sources
from pipeline.demo.traffic import MASTODON_TAG, WEBHOOK_TARGETS, Traffic
from pipeline.demo.view import (
    FeedStats,
    parse_interaction,
    render_dead_letter,
    render_interaction,
)
from pipeline.errors import SamenspelError
from pipeline.kafka_client import security_kwargs
from pipeline.privacy.pseudonym import generate_dev_key
from pipeline.settings import Settings, get_settings
from pipeline.topics import apply_topics, load_topic_specs

TICK_S = 0.1
READY_TIMEOUT_S = 120.0
DRAIN_IDLE_S = 2.0
DRAIN_MAX_S = 8.0
PLAIN_PROGRESS_EVERY_S = 5.0
POLLING_CONNECTORS = ("mastodon", "decidim", "asterisk-cdr")


@dataclass(frozen=True)
class DemoOptions:
    """What ``samenspel demo`` was asked to do."""

    rate: float = 5.0
    duration: float | None = None
    start_kafka: bool = True
    topic_prefix: str | None = None
    seed: int | None = None


@dataclass
class _Run:
    """State shared between the setup (sync) and the live part (async) of one run."""

    settings: Settings
    options: DemoOptions
    console: Console
    workdir: Path
    children: Children
    env: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_demo(options: DemoOptions, console: Console | None = None) -> int:
    """Run the demo until Ctrl-C, SIGTERM or the end of ``options.duration``; 0 on a clean stop."""
    if options.rate <= 0:
        raise SamenspelError(f"--rate must be positive, got {options.rate}")
    if options.duration is not None and options.duration <= 0:
        raise SamenspelError(f"--duration must be positive, got {options.duration}")
    console = console or _console()
    settings = get_settings()
    if options.topic_prefix:
        settings = settings.model_copy(update={"topic_prefix": options.topic_prefix})
    workdir = Path(tempfile.mkdtemp(prefix="samenspel-demo-"))
    run = _Run(settings, options, console, workdir, Children(workdir))
    started_kafka = False
    failed = True
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        bootstrap, started_kafka = _ensure_kafka(settings, options.start_kafka, console)
        run.settings = settings.model_copy(update={"kafka_bootstrap_servers": bootstrap})
        _apply_topics(run.settings, console)
        _prepare_children(run)
        asyncio.run(_live(run))
        failed = False
    except KeyboardInterrupt:
        failed = False
    finally:
        with _signals_ignored():
            _stop_everything(run, started_kafka)
        signal.signal(signal.SIGTERM, previous)
        if failed:
            console.print(f"[dim]child logs kept in {workdir}[/dim]")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _console() -> Console:
    """A terminal console, or a wide one when output goes to a file or pipe (no cut lines)."""
    console = Console()
    return console if console.is_terminal else Console(width=200)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Cleanup must finish even when Ctrl-C is pressed again, or children would be orphaned."""
    saved = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _ensure_kafka(settings: Settings, start: bool, console: Console) -> tuple[str, bool]:
    """The bootstrap to use and whether this run started the local Kafka (and must stop it)."""
    if not start:
        _check_broker(settings.kafka_bootstrap_servers)
        console.print(f"using the Kafka at {settings.kafka_bootstrap_servers}")
        return settings.kafka_bootstrap_servers, False
    cluster = local_kafka.load_cluster()
    if cluster is not None and all(local_kafka.pid_alive(n.pid) for n in cluster.nodes):
        _check_broker(cluster.bootstrap)
        console.print(f"using the local Kafka already running at {cluster.bootstrap}")
        return cluster.bootstrap, False
    console.print("starting a local Kafka (the first start resolves it with Maven) ...")
    cluster = local_kafka.start()
    console.print(f"local Kafka {cluster.version} running at {cluster.bootstrap}")
    return cluster.bootstrap, True


def _check_broker(bootstrap: str) -> None:
    try:
        local_kafka.broker_count(bootstrap)
    except Exception as exc:
        raise SamenspelError(
            f"no Kafka broker answers at {bootstrap} ({type(exc).__name__}); "
            "start one with 'samenspel kafka start' or drop --no-kafka-start"
        ) from None


def _apply_topics(settings: Settings, console: Console) -> None:
    specs = load_topic_specs(settings.topic_prefix)
    report = apply_topics(specs, settings.bootstrap_list(), **security_kwargs(settings))
    summary = f"created {len(report.created)}" if report.created else "none missing"
    drift = f", drift: {report.drift[0]}" if report.drift else ""
    console.print(f"topics {settings.topic_prefix}.*: {summary}{drift}")


def _prepare_children(run: _Run) -> None:
    """Key, secrets, ports and config files of the children; nothing is started yet."""
    key = os.environ.get("SAMENSPEL_PSEUDONYM_KEY")
    if key:
        run.console.print("using the pseudonym key from SAMENSPEL_PSEUDONYM_KEY")
    else:
        key = generate_dev_key()
        run.console.print(
            "[yellow]using a generated development key[/yellow] for pseudonyms "
            "(set SAMENSPEL_PSEUDONYM_KEY to keep pseudonyms stable across runs)"
        )
    run.secrets = {name: secrets.token_urlsafe(24) for name in WEBHOOK_TARGETS}
    names = ("worker", "webhooks", "mastodon-api", "decidim-api", *POLLING_CONNECTORS)
    run.ports = {name: free_port() for name in names}
    run.env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": run.settings.kafka_bootstrap_servers,
        "SAMENSPEL_TOPIC_PREFIX": run.settings.topic_prefix,
        "SAMENSPEL_PSEUDONYM_KEY": key,
        "SAMENSPEL_WORKER_ID": "demo",
        "PYTHONUNBUFFERED": "1",
        **{webhook_secret_env(name): secret for name, secret in run.secrets.items()},
    }
    cdr_file = run.workdir / "Master.csv"
    cdr_file.touch()
    configs: dict[str, dict[str, Any]] = {
        "mastodon": {
            "base_url": f"http://127.0.0.1:{run.ports['mastodon-api']}",
            "access_token": "demo-token",
            "mentions": False,
            "hashtags": [MASTODON_TAG],
            "start_from": "beginning",
            "poll_interval": 1.0,
        },
        "decidim": {
            "base_url": f"http://127.0.0.1:{run.ports['decidim-api']}",
            "process_ids": [DECIDIM_PROCESS],
            "poll_interval": 2.0,
        },
        "asterisk-cdr": {
            "path": str(cdr_file),
            "mode": "follow",
            "poll_interval": 0.5,
            "queue_names": {"7000": "KCC"},
        },
    }
    for name, config in configs.items():
        (run.workdir / f"{name}.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")


def _spawn_children(run: _Run) -> None:
    launch = [sys.executable, "-m", "pipeline.demo.launch"]
    worker_port = str(run.ports["worker"])
    run.children.spawn(
        "worker",
        [sys.executable, "-m", "pipeline", "worker", "--web-port", worker_port],
        run.env,
    )
    run.children.spawn(
        "webhooks", [*launch, "webhooks", "--port", str(run.ports["webhooks"])], run.env
    )
    for name in POLLING_CONNECTORS:
        config = str(run.workdir / f"{name}.yaml")
        argv = [*launch, "connect", name, "--config", config, "--port", str(run.ports[name])]
        run.children.spawn(f"connect-{name}", argv, run.env)


async def _serve(app: web.Application, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def _live(run: _Run) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    mastodon, decidim = FakeMastodon(), FakeDecidim()
    runners = [
        await _serve(mastodon.app(), run.ports["mastodon-api"]),
        await _serve(decidim.app(), run.ports["decidim-api"]),
    ]
    reader: BackgroundReader | None = None
    sources: Sources | None = None
    try:
        _spawn_children(run)
        run.console.print(
            f"started worker, webhook receiver and {len(POLLING_CONNECTORS)} polling connectors "
            f"(logs in {run.workdir}); waiting for the worker ..."
        )
        if not await _wait_ready(run, stop):
            return
        topics = [run.settings.topic("interactions"), run.settings.topic("deadletter")]
        reader = BackgroundReader(
            await asyncio.to_thread(TopicReader, run.settings, topics, from_beginning=False)
        )
        reader.start()
        sources = Sources(
            webhook_url=f"http://127.0.0.1:{run.ports['webhooks']}",
            secrets=run.secrets,
            mastodon=mastodon,
            decidim=decidim,
            cdr_file=run.workdir / "Master.csv",
            producer=_producer(run.settings),
            raw_topic_of={c: run.settings.topic(f"raw.{c}") for c in CHANNELS},
        )
        await _show(run, stop, reader, sources)
    finally:
        if sources is not None:
            await sources.close()
        if reader is not None:
            await asyncio.to_thread(reader.stop)
        for runner in runners:
            await runner.cleanup()


def _producer(settings: Settings) -> Any:
    from kafka import KafkaProducer

    return KafkaProducer(
        bootstrap_servers=settings.bootstrap_list(),
        acks="all",
        linger_ms=5,
        client_id="samenspel-demo",
        **security_kwargs(settings),
    )


def _check_children(run: _Run) -> None:
    exited = run.children.exited()
    if exited:
        child = exited[0]
        tail = " | ".join(child.log_tail(4).splitlines())
        raise SamenspelError(
            f"{child.name} exited with status {child.process.returncode}: {tail or 'no output'}"
        )


async def _wait_ready(run: _Run, stop: asyncio.Event) -> bool:
    """True once the worker and the webhook receiver answer; False when stopped first."""
    checks = {
        "worker": f"http://127.0.0.1:{run.ports['worker']}/ready",
        "webhooks": f"http://127.0.0.1:{run.ports['webhooks']}/health",
    }
    started = time.monotonic()
    pending = dict(checks)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as session:
        while pending:
            if stop.is_set():
                return False
            _check_children(run)
            if time.monotonic() - started > READY_TIMEOUT_S:
                raise SamenspelError(
                    f"{', '.join(pending)} not ready within {READY_TIMEOUT_S:.0f} s "
                    f"(logs in {run.workdir})"
                )
            for name, url in list(pending.items()):
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(url) as response:
                        if response.status == 200:
                            del pending[name]
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    run.console.print(f"ready after {time.monotonic() - started:.1f} s; traffic starts")
    return True


async def _show(run: _Run, stop: asyncio.Event, reader: BackgroundReader, src: Sources) -> None:
    """The traffic loop and the live view, until stopped, then a short drain."""
    seed = run.options.seed if run.options.seed is not None else int(time.time())
    traffic = Traffic(
        load_pool(), rate=run.options.rate, seed=seed, run_id=f"{seed:x}-{secrets.token_hex(3)}"
    )
    stats = FeedStats()
    console = run.console
    live = (
        Live(console=console, auto_refresh=False, transient=True) if console.is_terminal else None
    )
    begin = last = time.monotonic()
    last_progress = begin
    last_seen = begin
    stopping_at: float | None = None
    with live if live is not None else contextlib.nullcontext():
        while True:
            now = time.monotonic()
            if stopping_at is None:
                if stop.is_set() or (
                    run.options.duration is not None and now - begin >= run.options.duration
                ):
                    stopping_at = now
                else:
                    for emission in traffic.step(last - begin, now - begin, datetime.now(UTC)):
                        src.deliver(emission)
            last = now
            for seen in reader.drain():
                last_seen = now
                _show_one(run, console, stats, seen.topic, seen.value, seen.headers, now)
            stats.sent = sum(src.outcome.by_target.values())
            stats.refused = src.outcome.refused
            if live is not None:
                live.update(stats.progress(now, CHANNELS), refresh=True)
            elif now - last_progress >= PLAIN_PROGRESS_EVERY_S:
                console.print(stats.progress(now, CHANNELS))
                last_progress = now
            if stopping_at is not None and (
                (stop.is_set() and now - stopping_at > 0.5)  # after Ctrl-C: only a short drain
                or now - last_seen >= DRAIN_IDLE_S
                or now - stopping_at >= DRAIN_MAX_S
            ):
                break
            _check_children(run)
            await asyncio.sleep(TICK_S)
    console.print(stats.progress(time.monotonic(), CHANNELS))


def _show_one(
    run: _Run,
    console: Console,
    stats: FeedStats,
    topic: str,
    value: bytes | None,
    headers: dict[str, bytes],
    now: float,
) -> None:
    if topic == run.settings.topic("deadletter"):
        stats.dead_letters += 1
        console.print(render_dead_letter(headers), overflow="ellipsis", no_wrap=True)
        return
    interaction = parse_interaction(value)
    if interaction is None:
        return
    stats.interaction(interaction.channel.value, now)
    console.print(render_interaction(interaction), overflow="ellipsis", no_wrap=True)


def _stop_everything(run: _Run, started_kafka: bool) -> None:
    if run.children.children:
        run.console.print("stopping worker, webhook receiver and connectors ...")
        killed = run.children.stop_all()
        if killed:
            run.console.print(f"[yellow]had to kill {', '.join(killed)}[/yellow]")
    if started_kafka:
        run.console.print("stopping the local Kafka this demo started ...")
        local_kafka.stop()
