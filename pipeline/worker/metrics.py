"""Prometheus metrics of the worker, on a registry of its own so tests can read them."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

REGISTRY = CollectorRegistry(auto_describe=True)

EVENTS_IN = Counter(
    "samenspel_events_in_total", "Raw events consumed", ["channel"], registry=REGISTRY
)
EVENTS_OUT = Counter(
    "samenspel_events_out_total",
    "Interactions published on the feed",
    ["channel", "source"],
    registry=REGISTRY,
)
DUPLICATES = Counter(
    "samenspel_duplicates_total",
    "Events dropped as already published",
    ["channel"],
    registry=REGISTRY,
)
DEAD_LETTERS = Counter(
    "samenspel_dead_letters_total",
    "Events sent to the dead-letter topic",
    ["stage"],
    registry=REGISTRY,
)
LATENCY = Histogram(
    "samenspel_processing_latency_seconds",
    "Raw-topic timestamp to feed acknowledgement",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
    registry=REGISTRY,
)
CONSUMER_LAG = Gauge(
    "samenspel_consumer_lag",
    "Messages behind the end of a partition",
    ["topic", "partition"],
    registry=REGISTRY,
)
REBALANCES = Counter(
    "samenspel_rebalances_total", "Partition reassignments seen", registry=REGISTRY
)
PUBLISH_RETRIES = Counter(
    "samenspel_publish_retries_total", "Batches whose publishing was retried", registry=REGISTRY
)
