"""The fault tests' own three-node KRaft cluster: own state dir and ports, stopped at the end."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from pipeline import local_kafka

BASE_PORT = int(os.environ.get("SAMENSPEL_FAULT_BASE_PORT", "19092"))
EVENTS = int(os.environ.get("SAMENSPEL_FAULT_EVENTS", "100000"))
"""CI runs the full 100,000; set fewer for a quick local run."""


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[local_kafka.Cluster]:
    """Three nodes from BASE_PORT on; topics.yaml then gives replication 3, min.insync 2."""
    state = tmp_path_factory.mktemp("kafka3")
    previous = os.environ.get("SAMENSPEL_KAFKA_STATE_DIR")
    os.environ["SAMENSPEL_KAFKA_STATE_DIR"] = str(state)
    try:
        started = local_kafka.start(nodes=3, base_port=BASE_PORT, timeout_s=180)
        yield started
    finally:
        local_kafka.stop()
        if previous is None:
            os.environ.pop("SAMENSPEL_KAFKA_STATE_DIR", None)
        else:
            os.environ["SAMENSPEL_KAFKA_STATE_DIR"] = previous
