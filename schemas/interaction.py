"""The unified interaction: one schema for all channels, after Klantinteracties' Klantcontact."""

from __future__ import annotations

import hashlib
import uuid

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from schemas import limits
from schemas.taxonomy import Channel, CitizenRole, MunicipalityRole, Perspective

SCHEMA_VERSION = "1.0.0"
"""Semantic version of the feed schema; the major version is also in the topic contract."""

_ID_NAMESPACE = uuid.UUID("6f1d2f0e-6a43-5b8e-9a57-2c1f5e0b7a11")
_NAMESPACE_BYTES = _ID_NAMESPACE.bytes


def interaction_id(source: str, source_id: str) -> str:
    """Deterministic id (UUIDv5) from source and source id, so a replay gives the same id.

    ``str(uuid.uuid5(namespace, name))`` spelled out (RFC 9562 section 5.5: SHA-1 of namespace and
    name, version and variant bits set): it runs once per event, and the ``UUID`` object in
    between cost more than the hash.
    """
    name = f"{source}\x1f{source_id}".encode()
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name, usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class Location(BaseModel):
    """Coarse location only: never a street, house number or six-character postcode."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)

    postcode4: str | None = Field(default=None, pattern=r"^[1-9]\d{3}$")
    wijk_code: str | None = Field(default=None, pattern=r"^WK\d{6}$")
    buurt_code: str | None = Field(default=None, pattern=r"^BU\d{8}$")
    municipality_code: str | None = Field(default=None, pattern=r"^GM\d{4}$")

    def area(self) -> str:
        """The finest known area, used as the statistics dimension."""
        return (
            self.buurt_code
            or self.wijk_code
            or self.postcode4
            or self.municipality_code
            or "onbekend"
        )


class Tags(BaseModel):
    """The three labels of the taxonomy with how sure the tagger is and why."""

    model_config = ConfigDict(strict=True, extra="forbid")

    perspective: Perspective
    citizen_role: CitizenRole
    municipality_role: MunicipalityRole
    confidence: float = Field(ge=0.0, le=1.0)
    reasons: list[str] = Field(default_factory=list, max_length=limits.MAX_REASONS)
    needs_review: bool
    tagger_version: str = Field(min_length=1, max_length=64)


class Interaction(BaseModel):
    """One interaction on the unified feed; contains no citizen identifiers."""

    model_config = ConfigDict(strict=True, extra="forbid")

    schema_version: str = Field(default=SCHEMA_VERSION, pattern=r"^1\.\d+\.\d+$")
    id: str = Field(description="UUIDv5 of source and source id.", min_length=36, max_length=36)
    channel: Channel = Field(description="Klantcontact.kanaal")
    source: str = Field(min_length=1, max_length=limits.MAX_SOURCE)
    occurred_at: AwareDatetime = Field(description="Klantcontact.plaatsgevondenOp")
    received_at: AwareDatetime = Field(description="When samenspel processed the event.")
    subject: str | None = Field(
        default=None, max_length=limits.MAX_SUBJECT, description="Klantcontact.onderwerp"
    )
    content: str = Field(
        max_length=limits.MAX_TEXT, description="Klantcontact.inhoud, identifiers removed"
    )
    language: str | None = Field(
        default=None, max_length=limits.MAX_LANGUAGE, description="Klantcontact.taal"
    )
    confidential: bool = Field(default=False, description="Klantcontact.vertrouwelijk")
    party: str | None = Field(
        default=None, max_length=100, description="Keyed pseudonym: '<key id>:<hex>'"
    )
    location: Location | None = None
    tags: Tags
