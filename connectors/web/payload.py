"""Helpers shared by the shipped webhook connectors: validate a body, describe what is wrong.

Each webhook declares its source's payload as a pydantic model; a body that does not fit becomes a
BadRecord whose reason names the fields at fault, so the dead-letter topic explains itself.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, JsonValue, ValidationError, model_validator

import schemas
from connectors.contract import BadRecord, SourceRecord
from schemas.validation import describe_validation_error

M = TypeVar("M", bound=BaseModel)


class SourceModel(BaseModel):
    """Base of upstream payload models, lenient where real senders differ from their examples.

    Unknown fields are ignored, a number where a string is expected (an id sent as ``42``) is
    taken as its text, and ``null`` for a field that has a default counts as absent: senders
    write ``"notes": null`` as often as they leave the key out.
    """

    model_config = ConfigDict(extra="ignore", coerce_numbers_to_str=True)

    @model_validator(mode="before")
    @classmethod
    def _null_is_absent(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        fields = cls.model_fields.items()
        optional = {field.alias or name for name, field in fields if not field.is_required()}
        return {key: val for key, val in data.items() if val is not None or key not in optional}


def present(value: str | None) -> str | None:
    """The value without surrounding blanks, or None when nothing is left."""
    stripped = value.strip() if value else ""
    return stripped or None


def phone_party(number: str | None) -> str | None:
    """A caller number worth pseudonymising, or None.

    Telephony marks a withheld number with words ("anonymous", "restricted", "unknown"); as a
    party such a word would give every withheld caller the same pseudonym, linking strangers.
    """
    value = present(number)
    return value if value is not None and any(char.isdigit() for char in value) else None


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
