"""Prometheus metrics of the connector runtime and the webhook receiver.

A registry of our own, so that the metrics page shows only what these processes measure and a
test can create several runtimes in one process without duplicate-metric errors.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, generate_latest

REGISTRY = CollectorRegistry(auto_describe=True)

RECORDS_PRODUCED = Counter(
    "samenspel_connector_records_produced",
    "Raw events acknowledged by Kafka.",
    ["connector", "channel"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "samenspel_connector_dead_letters",
    "Bad records sent to the dead-letter topic.",
    ["connector"],
    registry=REGISTRY,
)
RETRIES = Counter(
    "samenspel_connector_retries",
    "Backoff rounds after a transient failure, by reason.",
    ["connector", "reason"],
    registry=REGISTRY,
)
LAST_POSITION_TIME = Gauge(
    "samenspel_connector_last_position_time_seconds",
    "Unix time when a resume position was last stored.",
    ["connector"],
    registry=REGISTRY,
)
UP = Gauge(
    "samenspel_connector_up",
    "1 while the connector is connected, 0 while it retries.",
    ["connector"],
    registry=REGISTRY,
)
WEBHOOK_REQUESTS = Counter(
    "samenspel_webhook_requests",
    "Webhook requests by connector and HTTP status.",
    ["connector", "status"],
    registry=REGISTRY,
)


def render() -> bytes:
    """The metrics page in the Prometheus text format."""
    return generate_latest(REGISTRY)
