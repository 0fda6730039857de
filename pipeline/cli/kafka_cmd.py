"""``samenspel kafka start|stop|status``: the local KRaft cluster for development, demos and CI."""

from __future__ import annotations

import argparse

from pipeline import local_kafka
from pipeline.cli.args import int_range, port
from pipeline.errors import SamenspelError


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = subparsers.add_parser("kafka", help="start, stop or inspect the local Kafka")
    actions = parser.add_subparsers(dest="action", metavar="ACTION")
    actions.required = True
    start = actions.add_parser("start", help="resolve Kafka with Maven and start a local cluster")
    start.add_argument(
        "--nodes", type=int_range(1, 9), default=1, help="number of combined nodes, 1-9 (default 1)"
    )
    start.add_argument("--port", type=port, default=9092, help="first broker port (default 9092)")
    start.set_defaults(func=_start)
    actions.add_parser("stop", help="stop the local cluster").set_defaults(func=_stop)
    actions.add_parser("status", help="show whether the local cluster runs").set_defaults(
        func=_status
    )


def _start(args: argparse.Namespace) -> int:
    cluster = local_kafka.start(nodes=args.nodes, base_port=args.port)
    print(f"Kafka {cluster.version} running: {len(cluster.nodes)} node(s) at {cluster.bootstrap}")
    print(f"export KAFKA_BOOTSTRAP_SERVERS={cluster.bootstrap}")
    return 0


def _stop(args: argparse.Namespace) -> int:
    stopped = local_kafka.stop()
    print(f"stopped {stopped} Kafka node(s)" if stopped else "no local Kafka was running")
    return 0


def _status(args: argparse.Namespace) -> int:
    cluster = local_kafka.load_cluster()
    if cluster is None:
        print("local Kafka: not running")
        return 3
    alive = [node for node in cluster.nodes if local_kafka.pid_alive(node.pid)]
    try:
        brokers = local_kafka.broker_count(cluster.bootstrap) if alive else 0
    except Exception as exc:
        raise SamenspelError(f"local Kafka at {cluster.bootstrap} does not answer: {exc}") from None
    for node in cluster.nodes:
        state = "running" if node in alive else "stopped"
        print(f"node {node.node_id}: {state}, broker 127.0.0.1:{node.broker_port}, pid {node.pid}")
    print(f"local Kafka {cluster.version}: {brokers} broker(s) answer at {cluster.bootstrap}")
    return 0 if brokers == len(cluster.nodes) else 1
