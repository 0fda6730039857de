"""``samenspel worker``: run the stream processor (faust) until SIGTERM or Ctrl-C."""

from __future__ import annotations

import argparse

from pipeline.errors import SamenspelError
from pipeline.settings import get_settings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("worker", help="run the stream processor")
    parser.add_argument("--web-port", type=int, help="port of /health, /ready, /metrics, /stats")
    parser.add_argument("--worker-id", help="name of this worker in dead letters and logs")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    import faust

    from pipeline.assembly import build_chain
    from pipeline.topics import load_topic_specs
    from pipeline.worker.app import create_app

    settings = get_settings()
    overrides = {"web_port": args.web_port, "worker_id": args.worker_id}
    settings = settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})
    chain = build_chain(settings)
    specs = {spec.name: spec for spec in load_topic_specs(settings.topic_prefix)}
    partitions = specs[settings.raw_topics()[0]].partitions
    feed_partitions = specs[settings.topic("interactions")].partitions
    if feed_partitions != partitions or any(specs[t].partitions != partitions for t in settings.raw_topics()):
        raise SamenspelError(
            "the feed and every raw topic need the same partition count (raw partition p is published "
            "to feed partition p); fix deploy/topics.yaml"
        )
    app = create_app(settings, chain, partitions=partitions)
    worker = faust.Worker(app, loglevel="WARNING", override_logging=False, redirect_stdouts=False)
    worker.execute_from_commandline()
    return 0
