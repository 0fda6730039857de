"""The exported JSON Schemas: current, valid, and accepting and rejecting as the models do."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pydantic import ValidationError

from pipeline.cli import schemas_cmd
from pipeline.errors import SamenspelError
from schemas import Interaction, Tags, interaction_id
from schemas.export import MESSAGE_TYPES, export_json_schemas, json_schema, render
from schemas.taxonomy import Channel, CitizenRole, MunicipalityRole, Perspective

COMMITTED = Path(__file__).resolve().parents[2] / "schemas" / "json"
TEN_MB = 10 * 1024 * 1024


def _interaction() -> Interaction:
    return Interaction(
        id=interaction_id("asterisk", "1700000000.42"),
        channel=Channel.PHONE,
        source="asterisk",
        occurred_at=datetime(2024, 5, 1, 9, 30, 15, 123456, tzinfo=UTC),
        received_at=datetime(2024, 5, 1, 9, 30, 16, tzinfo=UTC),
        subject="Kopie huwelijksakte",
        content="Beller vraagt hoe ze een kopie van haar huwelijksakte kan krijgen.",
        language="nl",
        party="k1:" + "ab" * 32,
        tags=Tags(
            perspective=Perspective.BURGERS_EN_BEDRIJVEN,
            citizen_role=CitizenRole.KLANT,
            municipality_role=MunicipalityRole.LEVEREN,
            confidence=0.91,
            reasons=["keyword: huwelijksakte"],
            needs_review=False,
            tagger_version="rules-1",
        ),
    )


def _wire() -> dict[str, Any]:
    """The interaction as it goes on the feed: the models' own JSON."""
    result: dict[str, Any] = json.loads(_interaction().model_dump_json())
    return result


def _validator() -> jsonschema.Draft202012Validator:
    schema = json.loads((COMMITTED / "interaction-1.json").read_text(encoding="utf-8"))
    return jsonschema.Draft202012Validator(schema)


def _errors(document: dict[str, Any]) -> list[tuple[str, str]]:
    return [(e.json_path, str(e.validator)) for e in _validator().iter_errors(document)]


def test_committed_schemas_equal_a_fresh_export(tmp_path: Path) -> None:
    """A model change without a re-export fails here, with the command that fixes it."""
    fresh = {path.name: path.read_text(encoding="utf-8") for path in export_json_schemas(tmp_path)}
    committed = {path.name: path.read_text(encoding="utf-8") for path in COMMITTED.glob("*.json")}
    assert committed == fresh, "schemas/json is stale: run `samenspel schemas export schemas/json`"


def test_export_writes_one_file_per_message_type(tmp_path: Path) -> None:
    """Each message type gets its own ``<name>-<major>.json`` with its ``$id``."""
    paths = export_json_schemas(tmp_path / "new" / "dir")
    names = sorted(path.name for path in paths)
    assert names == sorted(f"{kind.name}-{kind.major}.json" for kind in MESSAGE_TYPES)
    assert "connect-offset-1.json" in names and "interaction-1.json" in names
    ids = {json.loads(path.read_text())["$id"] for path in paths}
    assert "https://samenspel.nl/schemas/interaction-1.json" in ids and len(ids) == len(paths)


def test_export_is_deterministic_text() -> None:
    """Sorted keys and a trailing newline, so that a diff shows only real changes."""
    text = render(json_schema("interaction"))
    assert text.endswith("}\n") and not text.endswith("\n\n")
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert text == render(json_schema("interaction"))


@pytest.mark.parametrize("path", sorted(COMMITTED.glob("*.json")), ids=lambda p: p.name)
def test_each_committed_schema_is_valid_draft_2020_12(path: Path) -> None:
    """Every committed file is a draft 2020-12 schema with id, title and description."""
    schema = json.loads(path.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"https://samenspel.nl/schemas/{path.name}"
    assert schema["title"] and schema["description"]


def test_all_message_types_are_committed() -> None:
    """The committed folder holds exactly the five message types."""
    assert sorted(p.name for p in COMMITTED.glob("*.json")) == [
        "connect-offset-1.json",
        "dead-letter-1.json",
        "interaction-1.json",
        "raw-event-1.json",
        "stats-record-1.json",
    ]


def test_model_output_validates_against_the_exported_schema() -> None:
    """What the models put on the feed is valid under the published schema."""
    assert _errors(_wire()) == []


def test_non_utc_offset_is_valid() -> None:
    """An explicit offset other than UTC is a timezone too."""
    document = _wire() | {"occurred_at": "2024-05-01T11:30:15+02:00"}
    assert _errors(document) == []
    assert Interaction.model_validate_json(json.dumps(document)).occurred_at.utcoffset() is not None


def test_naive_datetime_is_rejected_by_model_and_schema() -> None:
    """A time without timezone is ambiguous, so both the model and the schema refuse it."""
    document = _wire() | {"occurred_at": "2024-05-01T09:30:15"}
    assert _errors(document) == [("$.occurred_at", "pattern")]
    with pytest.raises(ValidationError) as caught:
        Interaction.model_validate_json(json.dumps(document))
    error = caught.value.errors()[0]
    assert (error["loc"], error["type"]) == (("occurred_at",), "timezone_aware")


def test_ten_megabyte_text_is_rejected_by_model_and_schema() -> None:
    """Content over the documented limit is refused, naming the field and maxLength."""
    document = _wire() | {"content": "a" * TEN_MB}
    assert _errors(document) == [("$.content", "maxLength")]
    with pytest.raises(ValidationError) as caught:
        Interaction.model_validate_json(json.dumps(document))
    error = caught.value.errors()[0]
    assert (error["loc"], error["type"]) == (("content",), "string_too_long")
    assert "20000" in error["msg"]


def test_number_where_a_string_belongs_is_rejected_by_model_and_schema() -> None:
    """Strict models do not coerce a number into a string field."""
    document = _wire() | {"source": 42}
    assert _errors(document) == [("$.source", "type")]
    with pytest.raises(ValidationError) as caught:
        Interaction.model_validate_json(json.dumps(document))
    error = caught.value.errors()[0]
    assert (error["loc"], error["type"]) == (("source",), "string_type")


def test_unknown_channel_is_rejected_by_model_and_schema() -> None:
    """A channel outside the enum is refused, naming the field and the enum rule."""
    document = _wire() | {"channel": "fax"}
    assert _errors(document) == [("$.channel", "enum")]
    with pytest.raises(ValidationError) as caught:
        Interaction.model_validate_json(json.dumps(document))
    error = caught.value.errors()[0]
    assert (error["loc"], error["type"]) == (("channel",), "enum")


def test_unknown_tag_value_in_nested_object_is_rejected_by_schema() -> None:
    """Rules inside nested models are part of the exported schema too."""
    document = _wire()
    document["tags"]["perspective"] = "burgers"
    assert _errors(document) == [("$.tags.perspective", "enum")]


def _run_cli(argv: list[str]) -> int:
    """Run the sub-command through its own ``register``, as the CLI shell does."""
    parser = argparse.ArgumentParser(prog="samenspel")
    schemas_cmd.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


def test_cli_export_writes_and_prints_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``samenspel schemas export DIR`` creates DIR and lists what it wrote."""
    target = tmp_path / "out"
    assert _run_cli(["schemas", "export", str(target)]) == 0
    printed = capsys.readouterr().out.split()
    assert sorted(printed) == sorted(str(p) for p in target.glob("*.json"))
    assert len(printed) == len(MESSAGE_TYPES)


def test_cli_export_into_a_file_is_a_one_line_error(tmp_path: Path) -> None:
    """A DIR that is a file is a SamenspelError of one line naming the path."""
    target = tmp_path / "taken"
    target.write_text("x")
    with pytest.raises(SamenspelError) as caught:
        _run_cli(["schemas", "export", str(target)])
    message = str(caught.value)
    assert "\n" not in message and "is a file" in message and str(target) in message
