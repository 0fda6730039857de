"""The project's own Kafka: three nodes start and stop cleanly; topics apply is idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline import local_kafka
from pipeline.settings import Settings
from pipeline.topics import apply_topics, load_topic_specs

pytestmark = pytest.mark.kafka


def test_topics_apply_creates_once_then_reports_no_change(kafka_settings: Settings) -> None:
    """Applying the topics twice creates them the first time and changes nothing the second."""
    specs = load_topic_specs(kafka_settings.topic_prefix)
    first = apply_topics(specs, kafka_settings.bootstrap_list())
    second = apply_topics(specs, kafka_settings.bootstrap_list())
    assert sorted(first.created) == sorted(spec.name for spec in specs)
    assert second.created == [] and second.drift == []
    assert second.lines() == [f"no change: {len(specs)} topics as declared"]


def test_three_node_cluster_starts_and_stops_leaving_no_java(
    kafka_bootstrap: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--nodes 3 gives a cluster whose metadata lists three brokers; stop leaves no process."""
    monkeypatch.setenv("SAMENSPEL_KAFKA_STATE_DIR", str(tmp_path / "state"))
    cluster = local_kafka.start(nodes=3, base_port=29092)
    try:
        assert local_kafka.broker_count(cluster.bootstrap) == 3
        assert all(local_kafka.pid_alive(node.pid) for node in cluster.nodes)
    finally:
        stopped = local_kafka.stop()
    assert stopped == 3
    assert not any(local_kafka.pid_alive(node.pid) for node in cluster.nodes)
    assert local_kafka.load_cluster() is None
