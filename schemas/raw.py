"""The generic raw event that every raw topic accepts (DESIGN.md, "Raw topics")."""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, JsonValue, model_validator

from schemas import limits
from schemas.taxonomy import Channel


class RawLocation(BaseModel):
    """Location as a source knows it; the pipeline reduces it to a coarse area."""

    model_config = ConfigDict(strict=True, extra="forbid")

    postcode: str | None = Field(default=None, max_length=16)
    address: str | None = Field(default=None, max_length=limits.MAX_LOCATION_TEXT)
    wijk_code: str | None = Field(default=None, pattern=r"^WK\d{6}$")
    buurt_code: str | None = Field(default=None, pattern=r"^BU\d{8}$")
    municipality_code: str | None = Field(default=None, pattern=r"^GM\d{4}$")


class RawEvent(BaseModel):
    """What a channel said, in the one shape that every raw topic accepts.

    Strict: wrong types are errors, not coerced; datetimes must carry a timezone. Fields this model
    does not know are not lost: they move into ``metadata``.
    """

    model_config = ConfigDict(strict=True, extra="allow", str_strip_whitespace=True)

    id: str = Field(min_length=1, max_length=limits.MAX_ID)
    channel: Channel
    source: str = Field(min_length=1, max_length=limits.MAX_SOURCE)
    occurred_at: AwareDatetime
    text: str = Field(max_length=limits.MAX_TEXT)
    subject: str | None = Field(default=None, max_length=limits.MAX_SUBJECT)
    language: str | None = Field(default=None, max_length=limits.MAX_LANGUAGE)
    location: RawLocation | str | None = Field(default=None)
    party: str | None = Field(default=None, max_length=limits.MAX_PARTY)
    party_kind: str | None = Field(
        default=None,
        pattern=r"^(phone|email|bsn|handle|other)$",
        description="What kind of identifier `party` is, so that pseudonyms match across channels.",
    )
    metadata: dict[str, JsonValue] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _keep_unknown_fields_and_check_location(self) -> RawEvent:
        """Unknown fields move into ``metadata``; a location given as text has its own limit.

        One validator, not two: each runs in Python on every event.
        """
        extra: dict[str, Any] | None = self.__pydantic_extra__
        if extra:
            for key, value in extra.items():
                self.metadata.setdefault(key, value)
            extra.clear()
        if isinstance(self.location, str) and len(self.location) > limits.MAX_LOCATION_TEXT:
            raise ValueError(f"location: at most {limits.MAX_LOCATION_TEXT} characters")
        return self
