"""Helpers shared by the shipped webhook connectors: validate a body, describe what is wrong.

Each webhook declares its source's payload as a pydantic model; a body that does not fit becomes a
BadRecord whose reason names the fields at fault, so the dead-letter topic explains itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from pydantic import BaseModel, JsonValue, ValidationError

import schemas
from connectors.contract import BadRecord, SourceRecord
from schemas.validation import describe_validation_error

M = TypeVar("M", bound=BaseModel)


def describe(exc: ValidationError, limit: int = 3) -> str:
    """One line naming the first ``limit`` problems, e.g. ``call.id: Field required``."""
    return describe_validation_error(exc, limit, whole="body")


def validate_body(model: type[M], body: bytes, connector: str) -> M | BadRecord:
    """The body as ``model``, or a BadRecord that says why it is not one."""
    try:
        return model.model_validate_json(body)
    except ValidationError as exc:
        return BadRecord(body, f"{connector}: {describe(exc)}")


def to_record(
    payload: bytes,
    connector: str,
    build: Callable[[], schemas.RawEvent],
    position: JsonValue = None,
    partition: str = "default",
) -> SourceRecord | BadRecord:
    """Build the raw event; a value the RawEvent rejects (too long, bad code) gives a BadRecord."""
    try:
        return SourceRecord(build(), position, partition)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        reason = describe(exc) if isinstance(exc, ValidationError) else str(exc)
        return BadRecord(payload, f"{connector}: {reason}", position, partition)


def parse_single(
    model: type[M], body: bytes, connector: str, build: Callable[[M], schemas.RawEvent]
) -> list[SourceRecord | BadRecord]:
    """The ``parse`` of a webhook whose body is one item: validate it, then build its raw event."""
    item = validate_body(model, body, connector)
    if isinstance(item, BadRecord):
        return [item]
    return [to_record(body, connector, lambda: build(item))]
