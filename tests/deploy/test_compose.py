"""deploy/docker-compose.yml and deploy/Dockerfile against the settings, the CLI and KRaft."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from tests.deploy.deploy_helpers import DEPLOY, parse_command, unknown_env_names

COMPOSE = DEPLOY / "docker-compose.yml"
DOCKERFILE = DEPLOY / "Dockerfile"
KRAFT_REQUIRED = {
    "KAFKA_NODE_ID",
    "KAFKA_PROCESS_ROLES",
    "KAFKA_LISTENERS",
    "KAFKA_ADVERTISED_LISTENERS",
    "KAFKA_CONTROLLER_LISTENER_NAMES",
    "KAFKA_LISTENER_SECURITY_PROTOCOL_MAP",
    "KAFKA_CONTROLLER_QUORUM_VOTERS",
    "KAFKA_INTER_BROKER_LISTENER_NAME",
    "KAFKA_LOG_DIRS",
    "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
    "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
    "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    return loaded


@pytest.fixture(scope="module")
def kafka_env(compose: dict[str, Any]) -> dict[str, str]:
    return {k: str(v) for k, v in compose["services"]["kafka"]["environment"].items()}


def _listeners(value: str) -> dict[str, str]:
    """``NAME://host:port,…`` as name -> port."""
    return {entry.split("://")[0]: entry.rsplit(":", 1)[1] for entry in value.split(",") if entry}


def test_services_and_images(compose: dict[str, Any]) -> None:
    """Kafka runs the official 4.x image at the version the local launcher pins; ours are built."""
    services = compose["services"]
    assert {"kafka", "topics", "worker", "webhooks"} <= set(services)
    image = services["kafka"]["image"]
    assert re.fullmatch(r"apache/kafka:4\.\d+\.\d+", image), image
    pom = (DEPLOY / "local" / "pom.xml").read_text(encoding="utf-8")
    pinned = re.search(r"<kafka.version>([^<]+)</kafka.version>", pom)
    assert pinned is not None and image == f"apache/kafka:{pinned.group(1)}"
    for name in ("topics", "worker", "webhooks"):
        assert services[name]["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / services[name]["build"]["context"]).resolve() == DEPLOY.parent


def test_kafka_has_every_kraft_variable(kafka_env: dict[str, str]) -> None:
    """Any KAFKA_* variable replaces the image's server.properties: all of KRaft's are set."""
    assert set(kafka_env) >= KRAFT_REQUIRED, KRAFT_REQUIRED - set(kafka_env)
    assert set(kafka_env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    for key in ("OFFSETS_TOPIC", "TRANSACTION_STATE_LOG"):
        assert kafka_env[f"KAFKA_{key}_REPLICATION_FACTOR"] == "1"


def test_quorum_voters_match_node_and_controller_listener(kafka_env: dict[str, str]) -> None:
    """The single voter is this node, on the port of the controller listener, which is mapped."""
    listeners = _listeners(kafka_env["KAFKA_LISTENERS"])
    controller = kafka_env["KAFKA_CONTROLLER_LISTENER_NAMES"]
    protocols = dict(
        p.split(":") for p in kafka_env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
    )
    assert controller in listeners and controller in protocols
    assert set(listeners) <= set(protocols)
    voters = kafka_env["KAFKA_CONTROLLER_QUORUM_VOTERS"].split(",")
    assert len(voters) == 1
    node_id, _, address = voters[0].partition("@")
    assert node_id == kafka_env["KAFKA_NODE_ID"]
    assert address.rsplit(":", 1)[1] == listeners[controller]
    advertised = _listeners(kafka_env["KAFKA_ADVERTISED_LISTENERS"])
    assert controller not in advertised
    assert kafka_env["KAFKA_INTER_BROKER_LISTENER_NAME"] in advertised


def test_kafka_healthcheck_and_bootstrap(
    compose: dict[str, Any], kafka_env: dict[str, str]
) -> None:
    """The services reach the broker on its advertised in-network listener, once it is healthy."""
    services = compose["services"]
    assert "kafka-broker-api-versions.sh" in " ".join(services["kafka"]["healthcheck"]["test"])
    advertised = kafka_env["KAFKA_ADVERTISED_LISTENERS"].split(",")
    for name in ("topics", "worker", "webhooks"):
        bootstrap = services[name]["environment"]["KAFKA_BOOTSTRAP_SERVERS"]
        assert f"PLAINTEXT://{bootstrap}" in advertised
    assert services["topics"]["depends_on"]["kafka"]["condition"] == "service_healthy"
    for name in ("worker", "webhooks"):
        condition = services[name]["depends_on"]["topics"]["condition"]
        assert condition == "service_completed_successfully"


def test_samenspel_variables_are_real_settings(compose: dict[str, Any]) -> None:
    """Every variable of a samenspel service is read by the settings or the webhook receiver."""
    for name in ("topics", "worker", "webhooks"):
        env = set(compose["services"][name]["environment"])
        assert not unknown_env_names(env), (name, unknown_env_names(env))


def test_pseudonym_key_is_never_a_literal(compose: dict[str, Any]) -> None:
    """The key and webhook secrets come from the user's environment, with a clear message."""
    for name in ("worker", "webhooks"):
        env = compose["services"][name]["environment"]
        assert re.fullmatch(
            r"\$\{SAMENSPEL_PSEUDONYM_KEY:\?.*privacy new-key.*\}", env["SAMENSPEL_PSEUDONYM_KEY"]
        )
        for key, value in env.items():
            if "SECRET" in key or key.endswith("_KEY"):
                assert str(value).startswith("${"), key


@pytest.mark.parametrize(
    ("service", "expected"), [("topics", "topics"), ("worker", "worker"), ("webhooks", "webhooks")]
)
def test_commands_are_real_subcommands(
    compose: dict[str, Any], service: str, expected: str
) -> None:
    """The image's entrypoint is ``samenspel``; each service command parses with the real CLI."""
    assert parse_command(compose["services"][service]["command"]) == expected


def test_dockerfile_installs_the_package_and_runs_samenspel() -> None:
    """python:3.11-slim, ``pip install .``, non-root, ``samenspel`` entrypoint, real variables."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert re.search(r"^FROM python:3\.11-slim$", text, re.M)
    assert "pip install ." in text
    assert re.search(r"^USER 10001", text, re.M)
    assert 'ENTRYPOINT ["samenspel"]' in text
    env_names = set(re.findall(r"\b(SAMENSPEL_[A-Z_]+)=", text))
    assert env_names and not unknown_env_names(env_names)
    assert "TOPICS_FILE" in text, "topics.yaml must be copied to where pipeline.topics reads it"
    # the compiled tagger core is built (setup.py, a compiler) and checked for in the image
    assert re.search(r"^COPY .*\bsetup\.py\b", text, re.M)
    assert "gcc" in text and "native.Scorer" in text
