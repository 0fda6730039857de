"""The worker's start-up read of the cluster survives a broker that briefly refuses requests."""

from __future__ import annotations

from typing import Any

import pytest
from kafka.errors import KafkaConnectionError, TopicAuthorizationFailedError

from pipeline import topics
from pipeline.errors import SamenspelError

RAW = ["p.raw.web", "p.raw.phone"]
FEED = "p.interactions"


class FlakyAdmin:
    """An admin client whose first ``failures`` describe calls fail with ``error``."""

    calls = 0

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures, self.error, self.closed = failures, error, False

    def describe_cluster(self) -> dict[str, Any]:
        FlakyAdmin.calls += 1
        if FlakyAdmin.calls <= self.failures:
            raise self.error
        return {"brokers": [{"node_id": n} for n in (1, 2, 3)]}

    def list_topics(self) -> list[str]:
        return [*RAW, FEED]

    def describe_topics(self, names: list[str]) -> list[dict[str, Any]]:
        return [{"name": name, "partitions": [0, 1, 2]} for name in names]

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def admins(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Install FlakyAdmin clients; returns (made, pauses) for the test to set up and check."""
    made: list[FlakyAdmin] = []
    pauses: list[float] = []
    FlakyAdmin.calls = 0

    def install(failures: int, error: Exception) -> tuple[list[FlakyAdmin], list[float]]:
        def make(bootstrap: list[str], **security: Any) -> FlakyAdmin:
            made.append(FlakyAdmin(failures, error))
            return made[-1]

        monkeypatch.setattr(topics, "_admin", make)
        monkeypatch.setattr(topics, "_pause", pauses.append)
        return made, pauses

    return install


def test_a_refused_connection_is_retried_until_the_cluster_answers(admins: Any) -> None:
    made, pauses = admins(2, KafkaConnectionError("111 ECONNREFUSED"))
    topology = topics.worker_topology(RAW, FEED, ["127.0.0.1:19092"])
    assert (topology.partitions, topology.brokers) == (3, 3)
    assert pauses == [1.0, 2.0]
    assert len(made) == 3 and all(admin.closed for admin in made)


def test_a_cluster_that_stays_unreachable_is_one_readable_error(admins: Any) -> None:
    _, pauses = admins(100, KafkaConnectionError("111 ECONNREFUSED"))
    with pytest.raises(SamenspelError, match=r"cannot read the topics from Kafka at 127\.0\.0\.1"):
        topics.worker_topology(RAW, FEED, ["127.0.0.1:19092"])
    assert sum(pauses) == pytest.approx(31.0)


def test_an_error_that_retrying_cannot_fix_is_not_retried(admins: Any) -> None:
    _, pauses = admins(100, TopicAuthorizationFailedError())
    with pytest.raises(SamenspelError, match="TopicAuthorizationFailedError"):
        topics.worker_topology(RAW, FEED, ["127.0.0.1:19092"])
    assert pauses == []
