"""``samenspel connectors``, ``samenspel connect NAME`` and ``samenspel webhooks``.

Thin: argument parsing, signal handling and wiring; the work is in ``pipeline.connect``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import socket
from pathlib import Path
from typing import Any

from connectors.contract import Connector, ConnectorConfig, WebhookConnector
from connectors.registry import get_connector, load_connectors
from pipeline.cli.args import port, positive_int
from pipeline.errors import SamenspelError
from pipeline.settings import Settings

DEFAULT_CONNECT_PORT = 6070
DEFAULT_WEBHOOK_PORT = 8080


def register(subparsers: Any) -> None:
    listing = subparsers.add_parser("connectors", help="list the installed connectors")
    listing.set_defaults(func=_list)

    connect = subparsers.add_parser("connect", help="run one polling connector")
    connect.add_argument("name", help="connector name (see 'samenspel connectors')")
    connect.add_argument("--config", type=Path, help="YAML file with the connector's config")
    connect.add_argument("--host", default=None, help="health/metrics address (default web_host)")
    connect.add_argument(
        "--port", type=port, default=DEFAULT_CONNECT_PORT, help="health/metrics port (6070)"
    )
    connect.set_defaults(func=_connect)

    hooks = subparsers.add_parser("webhooks", help="serve the webhook connectors")
    hooks.add_argument("--config", type=Path, help="YAML file: connector name -> config")
    hooks.add_argument("--host", default=None, help="listen address (default web_host)")
    hooks.add_argument("--port", type=port, default=DEFAULT_WEBHOOK_PORT, help="port (8080)")
    hooks.add_argument(
        "--max-body",
        type=positive_int,
        default=1024 * 1024,
        help="largest request body in bytes (1 MiB)",
    )
    hooks.set_defaults(func=_webhooks)


def _schema_type(spec: dict[str, Any]) -> str:
    if "type" in spec:
        return str(spec["type"])
    options = [str(option.get("type", "object")) for option in spec.get("anyOf", [])]
    return "|".join(options) or "object"


def config_fields(model: type[ConnectorConfig]) -> list[str]:
    """One line per config field from the JSON Schema: name, type, required or default, help."""
    schema = model.model_json_schema()
    required = set(schema.get("required", []))
    lines = []
    for field, spec in schema.get("properties", {}).items():
        extra = "required" if field in required else f"default {spec.get('default')!r}"
        help_text = f": {spec['description']}" if spec.get("description") else ""
        lines.append(f"{field} ({_schema_type(spec)}, {extra}){help_text}")
    return lines


def _list(_args: argparse.Namespace) -> int:
    for name, cls in load_connectors().items():
        kind = "webhook" if issubclass(cls, WebhookConnector) else "polling"
        print(f"{name}  [{kind}, channel {cls.channel.value}]  {cls.description}")
        for line in config_fields(cls.config_model):
            print(f"    {line}")
    return 0


def _stop_on_signals(stop: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)


def _check_pseudonym_key(settings: Settings) -> None:
    """Refuse to start without a usable key: a short one would only fail later, in the worker."""
    from pipeline.connect.runtime import require_pseudonym_key
    from pipeline.privacy import Pseudonymiser

    require_pseudonym_key(settings)
    Pseudonymiser.from_settings(settings)  # raises a SamenspelError naming the problem


def _connect(args: argparse.Namespace) -> int:
    from pipeline.connect.config import load_connector_config
    from pipeline.settings import get_settings

    settings = get_settings()
    _check_pseudonym_key(settings)
    cls = get_connector(args.name)
    if not issubclass(cls, Connector):
        raise SamenspelError(f"{args.name!r} is a webhook connector: run 'samenspel webhooks'")
    config = load_connector_config(args.name, cls.config_model, args.config)
    asyncio.run(_run_connector(cls, config, args.host or settings.web_host, args.port))
    return 0


async def _run_connector(
    cls: type[Connector[Any]], config: ConnectorConfig, host: str, port: int
) -> None:
    from aiohttp import web

    from pipeline.connect.http import Health, add_ops_routes, start_site
    from pipeline.connect.kafka import KafkaSink, position_loader
    from pipeline.connect.records import raw_topic
    from pipeline.connect.runtime import ConnectorRuntime
    from pipeline.settings import get_settings

    settings = get_settings()
    health = Health(cls.name)
    app = web.Application()
    add_ops_routes(app, [health])
    runner = await start_site(app, host, port)
    sink = KafkaSink(settings, client_id=f"samenspel-connect-{cls.name}@{socket.gethostname()}")
    try:
        with contextlib.suppress(Exception):  # metadata warm-up only; sending reports failures
            await sink.prepare(
                [raw_topic(settings, cls.channel), settings.topic("connect.offsets")]
            )
        runtime = ConnectorRuntime(
            cls, config, settings, sink, position_loader(settings), health=health
        )
        stop = asyncio.Event()
        _stop_on_signals(stop)
        await runtime.run(stop)
    finally:
        await sink.close()
        await runner.cleanup()


def _webhooks(args: argparse.Namespace) -> int:
    from pipeline.connect.config import load_webhook_configs
    from pipeline.settings import get_settings

    settings = get_settings()
    _check_pseudonym_key(settings)
    hooks = {
        name: cls for name, cls in load_connectors().items() if issubclass(cls, WebhookConnector)
    }
    configs = load_webhook_configs(
        {name: cls.config_model for name, cls in hooks.items()}, args.config
    )
    if not configs:
        raise SamenspelError(
            "no webhook connector configured: give --config or SAMENSPEL_WEBHOOK_SECRET_<NAME>"
        )
    connectors = {name: hooks[name](config) for name, config in configs.items()}
    asyncio.run(
        _serve_webhooks(connectors, args.host or settings.web_host, args.port, args.max_body)
    )
    return 0


async def _serve_webhooks(
    connectors: dict[str, WebhookConnector[Any]], host: str, port: int, max_body: int
) -> None:
    from pipeline.connect.http import start_site
    from pipeline.connect.kafka import KafkaSink
    from pipeline.connect.records import raw_topic
    from pipeline.connect.webhooks import WebhookReceiver, build_app, endpoint_for
    from pipeline.logs import get_logger
    from pipeline.settings import get_settings

    settings = get_settings()
    endpoints = {name: endpoint_for(connector) for name, connector in connectors.items()}
    sink = KafkaSink(settings, client_id=f"samenspel-webhooks@{socket.gethostname()}")
    topics = {raw_topic(settings, c.channel) for c in connectors.values()}
    with contextlib.suppress(Exception):  # metadata warm-up only; sending reports failures
        await sink.prepare(sorted(topics | {settings.topic("deadletter")}))
    receiver = WebhookReceiver(endpoints, settings, sink)
    runner = await start_site(build_app(receiver, max_body=max_body), host, port)
    get_logger(__name__).info("webhooks listening", host=host, port=port, hooks=sorted(endpoints))
    stop = asyncio.Event()
    _stop_on_signals(stop)
    try:
        await stop.wait()
    finally:
        # Stop taking requests first; those in flight finish, then buffered records are flushed.
        await runner.cleanup()
        await sink.close()
