"""Topics as code: read deploy/topics.yaml, create what is missing, report drift.

Replication is capped at the number of brokers (and ``min.insync.replicas`` below it), so the same
file serves a one-node development broker and a production cluster.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipeline.errors import SamenspelError
from pipeline.logs import get_logger
from schemas.validation import describe_validation_error

TOPICS_FILE = Path(__file__).resolve().parent.parent / "deploy" / "topics.yaml"


class _TopicEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    description: str = ""
    partitions: int | None = Field(default=None, ge=1, le=10_000)
    replication_factor: int | None = Field(default=None, ge=1, le=7)
    config: dict[str, str] = Field(default_factory=dict)


class _Defaults(BaseModel):
    model_config = ConfigDict(extra="forbid")

    partitions: int = Field(ge=1)
    replication_factor: int = Field(ge=1)
    config: dict[str, str] = Field(default_factory=dict)


class _TopicsFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    defaults: _Defaults
    topics: dict[str, _TopicEntry]


@dataclass(frozen=True)
class TopicSpec:
    """One topic as it should exist on the cluster."""

    name: str
    partitions: int
    replication_factor: int
    config: dict[str, str] = field(default_factory=dict)
    description: str = ""


def load_topic_specs(prefix: str, path: Path = TOPICS_FILE) -> list[TopicSpec]:
    """Parse and validate the topics file; names get the configured prefix."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise SamenspelError(f"topics file {path} must be a mapping with a 'topics' section")
        parsed = _TopicsFile.model_validate(data)
    except OSError as exc:
        raise SamenspelError(f"cannot read topics file {path}: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SamenspelError(f"topics file {path} is not UTF-8 text (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        raise SamenspelError(f"topics file {path} is not valid YAML: {exc}") from None
    except ValidationError as exc:
        problem = describe_validation_error(exc, 1, whole="(file)")
        raise SamenspelError(f"topics file {path}: {problem}") from None
    specs = []
    for short_name, entry in parsed.topics.items():
        specs.append(
            TopicSpec(
                name=f"{prefix}.{short_name}",
                partitions=entry.partitions or parsed.defaults.partitions,
                replication_factor=entry.replication_factor or parsed.defaults.replication_factor,
                config={**parsed.defaults.config, **entry.config},
                description=entry.description,
            )
        )
    return specs


def fit_to_cluster(spec: TopicSpec, brokers: int) -> TopicSpec:
    """Cap replication at the broker count and keep min.insync.replicas below it."""
    replication = min(spec.replication_factor, brokers)
    config = dict(spec.config)
    if "min.insync.replicas" in config:
        config["min.insync.replicas"] = str(
            min(int(config["min.insync.replicas"]), max(1, replication - 1))
        )
    return TopicSpec(spec.name, spec.partitions, replication, config, spec.description)


@dataclass
class ApplyReport:
    created: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    drift: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"created {name}" for name in self.created]
        out += [f"drift   {item}" for item in self.drift]
        if not self.created and not self.drift:
            out.append(f"no change: {len(self.unchanged)} topics as declared")
        return out


def _admin(bootstrap: list[str], **security: Any) -> Any:
    from kafka import KafkaAdminClient
    from kafka.errors import KafkaError

    try:
        return KafkaAdminClient(
            bootstrap_servers=bootstrap,
            client_id="samenspel-topics",
            request_timeout_ms=10_000,
            bootstrap_timeout_ms=5_000,
            **security,
        )
    except KafkaError as exc:
        raise SamenspelError(f"no Kafka broker answers at {','.join(bootstrap)}: {exc}") from None


def apply_topics(specs: list[TopicSpec], bootstrap: list[str], **security: Any) -> ApplyReport:
    """Create missing topics; compare existing ones (partitions, configs) and report differences."""
    from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
    from kafka.errors import TopicAlreadyExistsError

    admin = _admin(bootstrap, **security)
    report = ApplyReport()
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        fitted = [fit_to_cluster(spec, brokers) for spec in specs]
        existing = set(admin.list_topics())
        missing = [spec for spec in fitted if spec.name not in existing]
        if missing:
            new_topics = [
                NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.config)
                for s in missing
            ]
            # created concurrently by another process: fine, the drift check below covers it
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(new_topics, timeout_ms=30_000)
            report.created = [spec.name for spec in missing]
        present = [spec for spec in fitted if spec.name in existing]
        if present:
            described = {t["name"]: t for t in admin.describe_topics([s.name for s in present])}
            resources = [ConfigResource(ConfigResourceType.TOPIC, s.name) for s in present]
            configs = _topic_configs(admin.describe_configs(resources))
            for spec in present:
                problems = _drift(spec, described[spec.name], configs.get(spec.name, {}))
                if problems:
                    report.drift.extend(f"{spec.name}: {problem}" for problem in problems)
                else:
                    report.unchanged.append(spec.name)
    finally:
        admin.close()
    return report


def _topic_configs(response: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Flatten kafka-python 3's DescribeConfigs answer into {topic: {key: value}}."""
    return {
        topic: {key: entry["value"] for key, entry in entries.items()}
        for topic, entries in response.get("topic", {}).items()
    }


def _drift(spec: TopicSpec, described: dict[str, Any], actual_config: dict[str, str]) -> list[str]:
    problems = []
    partitions = len(described["partitions"])
    if partitions != spec.partitions:
        problems.append(f"partitions {partitions}, declared {spec.partitions}")
    replicas = min((len(p["replica_nodes"]) for p in described["partitions"]), default=0)
    if replicas != spec.replication_factor:
        problems.append(f"replication {replicas}, declared {spec.replication_factor}")
    for key, value in spec.config.items():
        if actual_config.get(key) != value:
            problems.append(f"{key}={actual_config.get(key)}, declared {value}")
    return problems


@dataclass(frozen=True)
class Topology:
    """What the worker needs to know of the live cluster before it starts."""

    partitions: int
    brokers: int


def worker_topology(
    raw_topics: list[str], feed: str, bootstrap: list[str], **security: Any
) -> Topology:
    """Check on the cluster that the raw topics and the feed exist with one partition count.

    Raw partition ``p`` is published to feed partition ``p`` (so a restarted worker finds its own
    outputs on the feed), which needs equal partition counts. A broker that is restarting
    refuses the admin client's requests for a few seconds while the others serve; the read is
    retried then (about 30 s in all), so that a worker starting at that moment does not exit.
    """
    from kafka.errors import KafkaError

    for pause in (*_RETRY_PAUSES_S, None):
        try:
            brokers, counts = _read_topology(raw_topics, feed, bootstrap, **security)
            break
        except KafkaError as exc:
            if pause is None or not exc.retriable:
                raise SamenspelError(
                    f"cannot read the topics from Kafka at {','.join(bootstrap)}: "
                    f"{type(exc).__name__}: {exc}"
                ) from None
            _log.warning("kafka metadata not readable yet, retrying", error=type(exc).__name__)
            _pause(pause)
    if len(set(counts.values())) != 1:
        listing = ", ".join(f"{name}={count}" for name, count in sorted(counts.items()))
        raise SamenspelError(f"raw topics and the feed need one partition count, found {listing}")
    return Topology(partitions=counts[feed], brokers=brokers)


_RETRY_PAUSES_S = (1.0, 2.0, 4.0, 8.0, 8.0, 8.0)
_pause = time.sleep
_log = get_logger(__name__)


def _read_topology(
    raw_topics: list[str], feed: str, bootstrap: list[str], **security: Any
) -> tuple[int, dict[str, int]]:
    """The number of brokers and the partition count of each topic; every topic must exist."""
    admin = _admin(bootstrap, **security)
    try:
        brokers = len(admin.describe_cluster()["brokers"])
        existing = set(admin.list_topics())
        missing = [name for name in [*raw_topics, feed] if name not in existing]
        if missing:
            raise SamenspelError(
                f"topic {missing[0]} does not exist; run 'samenspel topics apply' first"
            )
        counts = {
            t["name"]: len(t["partitions"]) for t in admin.describe_topics([*raw_topics, feed])
        }
    finally:
        admin.close()
    return brokers, counts
