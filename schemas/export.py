"""JSON Schema (draft 2020-12) of every message type, as published in ``schemas/json/``.

The exported files are the contract for consumers that do not use these pydantic models. They are
committed, and a contract test fails when they drift from the models, so a model change is always
visible in review as a schema change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

from schemas.deadletter import DeadLetter
from schemas.interaction import SCHEMA_VERSION, Interaction
from schemas.offsets import ConnectOffset
from schemas.raw import RawEvent
from schemas.stats import StatsRecord

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
BASE_URI = "https://samenspel.nl/schemas/"

RFC3339_WITH_OFFSET = r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$"
"""An RFC 3339 date-time whose offset is mandatory.

``format: date-time`` alone is only an annotation in draft 2020-12, so most validators would let a
naive time through; the pattern makes "must carry a timezone" checkable everywhere.
"""


@dataclass(frozen=True)
class MessageType:
    """One published message type: its file stem, model and major version."""

    name: str
    model: type[BaseModel]
    major: int

    @property
    def schema_id(self) -> str:
        return f"{BASE_URI}{self.filename}"

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.major}.json"


MESSAGE_TYPES: tuple[MessageType, ...] = (
    MessageType("raw-event", RawEvent, 1),
    MessageType("interaction", Interaction, int(SCHEMA_VERSION.split(".")[0])),
    MessageType("dead-letter", DeadLetter, 1),
    MessageType("stats-record", StatsRecord, 1),
    MessageType("connect-offset", ConnectOffset, 1),
)


class _ContractSchema(GenerateJsonSchema):
    """Pydantic's generator plus a pattern on aware datetimes (see RFC3339_WITH_OFFSET)."""

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> JsonSchemaValue:
        result = super().datetime_schema(schema)
        if schema.get("tz_constraint") == "aware":
            result["pattern"] = RFC3339_WITH_OFFSET
        return result


def message_type(name: str) -> MessageType:
    """The message type called ``name`` (``interaction``, ``raw-event``, ...)."""
    for candidate in MESSAGE_TYPES:
        if candidate.name == name:
            return candidate
    known = ", ".join(t.name for t in MESSAGE_TYPES)
    raise KeyError(f"unknown message type {name!r}; known: {known}")


def json_schema(name: str) -> dict[str, Any]:
    """The draft 2020-12 schema of one message type, with ``$schema`` and ``$id`` set."""
    kind = message_type(name)
    schema = kind.model.model_json_schema(schema_generator=_ContractSchema)
    schema["$schema"] = DRAFT_2020_12
    schema["$id"] = kind.schema_id
    return schema


def render(schema: dict[str, Any]) -> str:
    """Deterministic text: sorted keys, two-space indent, UTF-8 as is, one trailing newline."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def export_json_schemas(directory: Path) -> list[Path]:
    """Write one ``<name>-<major>.json`` per message type into ``directory``; return the paths.

    The directory is created if needed. Files are rewritten only when their text changes, so an
    export over an up-to-date tree leaves modification times alone.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in MESSAGE_TYPES:
        path = directory / kind.filename
        text = render(json_schema(kind.name))
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
