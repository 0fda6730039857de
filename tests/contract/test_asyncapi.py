"""schemas/asyncapi.yaml: valid for the official parser, in step with topics, schemas, headers."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import typing
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from connectors.contract import BadRecord
from pipeline import stats
from pipeline.cloudevents import feed_headers
from pipeline.connect.offsets import offset_key
from pipeline.connect.records import dead_letter_record
from pipeline.settings import Settings
from schemas import ConnectOffset, Interaction, Stage, Tags, interaction_id
from schemas.export import MESSAGE_TYPES
from schemas.taxonomy import Channel, CitizenRole, MunicipalityRole, Perspective

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "schemas" / "asyncapi.yaml"
SCRIPT = Path(__file__).with_name("validate_asyncapi.mjs")
PARSER = ROOT / "node_modules" / "@asyncapi" / "parser" / "package.json"


@pytest.fixture(scope="module")
def parsed() -> dict[str, Any]:
    """The summary line of the official parser's run over the document."""
    node = shutil.which("node")
    assert node, "node is not installed: install Node.js 20+, then run `npm ci` in the repo root"
    assert PARSER.is_file(), "the AsyncAPI parser is missing: run `npm ci` in the repo root"
    run = subprocess.run(
        [node, str(SCRIPT), str(DOCUMENT)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")]
    assert lines and "summary" in lines[-1], f"parser gave no summary:\n{run.stdout}{run.stderr}"
    errors = [line for line in lines if line.get("severity") == "error"]
    assert run.returncode == 0 and not errors, (
        "AsyncAPI document is invalid:\n"
        + "\n".join(f"{e['path']}: {e['message']}" for e in errors)
        + run.stderr
    )
    summary: dict[str, Any] = lines[-1]["summary"]
    return summary


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text(encoding="utf-8"))
    return loaded


def _topics() -> dict[str, dict[str, Any]]:
    declared: dict[str, Any] = yaml.safe_load((ROOT / "deploy" / "topics.yaml").read_text())
    defaults = declared["defaults"]
    result: dict[str, dict[str, Any]] = {}
    for name, spec in declared["topics"].items():
        config = {**defaults["config"], **spec.get("config", {})}
        result[name] = {**defaults, **spec, "config": config}
    return result


def _resolve(document: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _message(document: dict[str, Any], name: str) -> dict[str, Any]:
    return _resolve(document, document["components"]["messages"][name])


def _interaction() -> Interaction:
    return Interaction(
        id=interaction_id("web", "form-1"),
        channel=Channel.WEB,
        source="web",
        occurred_at=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
        received_at=datetime(2024, 5, 1, 9, 31, tzinfo=UTC),
        content="Melding: de prullenbak zit vol.",
        tags=Tags(
            perspective=Perspective.BURGERS_EN_BEDRIJVEN,
            citizen_role=CitizenRole.GEBRUIKER,
            municipality_role=MunicipalityRole.LEVEREN,
            confidence=0.8,
            needs_review=False,
            tagger_version="t1",
        ),
    )


def _header_validator(schema: dict[str, Any]) -> jsonschema.Validator:
    """Header schemas are AsyncAPI (draft-07 based) schemas; formats are checked too."""
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


def test_official_parser_accepts_the_document(parsed: dict[str, Any]) -> None:
    """@asyncapi/parser resolves every $ref and reports no error."""
    assert parsed["valid"] is True and parsed["errors"] == 0


def test_document_names_exactly_the_declared_topics(parsed: dict[str, Any]) -> None:
    """Every topic of deploy/topics.yaml, with the default prefix, and nothing else."""
    prefix = Settings.model_fields["topic_prefix"].default
    assert prefix == "samenspel"
    assert parsed["channels"] == sorted(f"{prefix}.{topic}" for topic in _topics())


def test_channel_bindings_match_the_topic_definitions(document: dict[str, Any]) -> None:
    """Partitions, replicas and cleanup/retention in the bindings are those of topics.yaml."""
    topics = _topics()
    for channel in document["channels"].values():
        name = channel["address"].removeprefix("samenspel.")
        spec = topics[name]
        binding = _resolve(document, channel["bindings"])["kafka"]
        assert binding["partitions"] == spec["partitions"], name
        assert binding["replicas"] == spec["replication_factor"], name
        config = binding["topicConfiguration"]
        assert config["cleanup.policy"] == spec["config"]["cleanup.policy"].split(","), name
        assert str(config.get("retention.ms")) == str(spec["config"].get("retention.ms")), name


def test_every_message_type_is_referenced(document: dict[str, Any]) -> None:
    """Each exported JSON Schema is used by the document, by relative $ref to a committed file."""
    text = DOCUMENT.read_text(encoding="utf-8")
    refs = sorted(set(re.findall(r"\$ref: '(\./json/[^']+)'", text)))
    assert refs == sorted(f"./json/{kind.filename}" for kind in MESSAGE_TYPES)
    for ref in refs:
        assert (DOCUMENT.parent / ref).is_file(), ref


def _key_pattern(document: dict[str, Any], message: str) -> re.Pattern[str]:
    return re.compile(_message(document, message)["bindings"]["kafka"]["key"]["pattern"])


def test_stats_key_of_the_worker_matches_the_documented_key(document: dict[str, Any]) -> None:
    """The key that pipeline.stats builds has the documented shape."""
    key = stats.stats_key(_interaction(), 3)
    assert _key_pattern(document, "statsRecord").fullmatch(key), key
    assert key.split("|")[1:] == ["burgers_en_bedrijven", "web", "onbekend", "3"]


def test_offset_key_of_the_runtime_matches_the_documented_key(document: dict[str, Any]) -> None:
    """The connector runtime and schemas.ConnectOffset build the same documented key."""
    record = ConnectOffset(
        connector="decidim",
        partition="proposals",
        position={"cursor": "abc"},
        updated_at=datetime(2024, 5, 1, tzinfo=UTC),
    )
    assert record.key() == offset_key("decidim", "proposals") == b"decidim/proposals"
    assert _key_pattern(document, "connectOffset").fullmatch(record.key().decode())


def test_connector_dead_letter_headers_satisfy_the_documented_schema(
    document: dict[str, Any],
) -> None:
    """The headers the connector runtime puts on a dead letter are the documented ones."""
    out = dead_letter_record(
        Settings(), "asterisk", BadRecord(payload=b"\x00bad", reason="not CSV"), "w1"
    )
    assert out.value == b"\x00bad"
    headers = {name: value.decode() for name, value in out.headers}
    schema = _resolve(document, _message(document, "deadLetter")["headers"])
    assert set(headers) <= set(schema["properties"])
    _header_validator(schema).validate(headers)


def test_every_message_documents_its_key(document: dict[str, Any]) -> None:
    """Kafka keys are part of the contract: each message says what its key is."""
    for name, message in document["components"]["messages"].items():
        key = message["bindings"]["kafka"]["key"]
        assert key.get("description"), f"{name}: key without description"


def test_operations_say_who_sends_and_receives(document: dict[str, Any]) -> None:
    """Senders and receivers per topic are the documented components."""
    roles = {
        (op["action"], _resolve(document, op["channel"])["address"], tag["name"])
        for op in document["operations"].values()
        for tag in (_resolve(document, t) for t in op["tags"])
    }
    for raw in ("phone", "counter", "web", "social", "neighbourhood"):
        assert ("send", f"samenspel.raw.{raw}", "connector") in roles
        assert ("receive", f"samenspel.raw.{raw}", "worker") in roles
    for topic in ("interactions", "deadletter", "stats"):
        assert ("send", f"samenspel.{topic}", "worker") in roles
    assert ("receive", "samenspel.interactions", "consumer") in roles
    assert ("send", "samenspel.connect.offsets", "connector-runtime") in roles
    assert ("receive", "samenspel.connect.offsets", "connector-runtime") in roles


def test_feed_headers_satisfy_the_documented_header_schema(document: dict[str, Any]) -> None:
    """What pipeline.cloudevents produces is exactly what the document promises."""
    headers = {k: v.decode() for k, v in feed_headers(_interaction(), oin="00000001001234567000")}
    schema = _resolve(document, _message(document, "interaction")["headers"])
    assert sorted(headers) == sorted(schema["properties"])
    _header_validator(schema).validate(headers)


def test_dead_letter_stages_match_the_model(document: dict[str, Any]) -> None:
    """The stage header lists the same stages as schemas.deadletter.Stage."""
    schema = _resolve(document, _message(document, "deadLetter")["headers"])
    assert schema["properties"]["samenspel_stage"]["enum"] == list(typing.get_args(Stage))
