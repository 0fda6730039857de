"""``samenspel worker``: run the stream processor (faust) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse

from pipeline.cli.args import non_empty, port
from pipeline.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("worker", help="run the stream processor")
    parser.add_argument("--web-port", type=port, help="port of /health, /ready, /metrics, /stats")
    parser.add_argument(
        "--worker-id", type=non_empty, help="name of this worker in dead letters and logs"
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import faust

    from pipeline.assembly import build_chain
    from pipeline.kafka_client import security_kwargs
    from pipeline.logs import get_logger
    from pipeline.tagging import native
    from pipeline.topics import worker_topology
    from pipeline.worker.app import create_app

    settings = get_settings()
    overrides = {"web_port": args.web_port, "worker_id": args.worker_id}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    chain = build_chain(settings)
    # operations see when the slower Python path runs (an image or host without the compiled core)
    get_logger(__name__).info("tagger core", core=native.describe())
    topology = worker_topology(
        settings.raw_topics(),
        settings.topic("interactions"),
        settings.bootstrap_list(),
        **security_kwargs(settings),
    )
    app = create_app(settings, chain, topology=topology)
    worker = faust.Worker(app, loglevel="WARNING", override_logging=False, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0
