"""Shared fixtures: the real local Kafka (fails, never skips, when missing) and unique prefixes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from pipeline import local_kafka
from pipeline.settings import Settings

TEST_KEY = "test-pseudonym-key-0123456789abcdef"


def _bootstrap() -> str:
    return os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")


@pytest.fixture(scope="session")
def kafka_bootstrap() -> str:
    """The broker the integration tests use; a missing broker fails the test with a clear reason."""
    bootstrap = _bootstrap()
    try:
        brokers = local_kafka.broker_count(bootstrap, timeout_s=5)
    except Exception as exc:
        pytest.fail(
            f"Kafka is not reachable at {bootstrap} ({type(exc).__name__}); "
            "start it with 'samenspel kafka start' (CI does this in .ci/run)"
        )
    assert brokers >= 1
    return bootstrap


@pytest.fixture
def topic_prefix() -> str:
    """A topic prefix of its own for each test, so tests never see each other's messages."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def kafka_settings(kafka_bootstrap: str, topic_prefix: str) -> Iterator[Settings]:
    """Settings pointing at the test broker and a fresh prefix, with a test pseudonym key."""
    yield Settings(
        kafka_bootstrap_servers=kafka_bootstrap,
        topic_prefix=topic_prefix,
        pseudonym_key=TEST_KEY,
    )
