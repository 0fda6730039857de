"""Open Forms submissions from its generic JSON registration plugin (``json_dump``).

Open Forms (open-formulieren/open-forms, ``registrations/contrib/json_dump``) POSTs::

    {"values": {<component key>: <value>, ...}, "values_schema": {<JSON schema>},
     "metadata": {"auth_type": "bsn", "public_reference": "OF-ABC123",
                  "form_version": "...", "registration_timestamp": "<RFC 3339>",
                  <further static variables chosen in the form, e.g. form_name,
                   language_code, submission_id>},
     "metadata_schema": {<JSON schema>}}

Older configurations send ``schema`` instead of ``values_schema``; both are accepted. The event
id is the public reference (unique per submission, so a re-sent registration gets the same id).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import ClassVar

from pydantic import AwareDatetime, ConfigDict, Field, JsonValue

import schemas
from connectors.contract import (
    BadRecord,
    ConnectorConfig,
    SourceRecord,
    WebhookConfig,
    WebhookConnector,
)
from connectors.web.payload import SourceModel, parse_single


class SubmissionMetadata(SourceModel):
    """The fixed metadata of json_dump plus the optional static variables we use."""

    model_config = ConfigDict(extra="allow")

    public_reference: str = Field(min_length=1, max_length=150)
    registration_timestamp: AwareDatetime
    auth_type: str = ""
    form_version: str = ""
    form_name: str | None = None
    language_code: str | None = None


class Submission(SourceModel):
    """One json_dump registration."""

    values: dict[str, JsonValue]
    metadata: SubmissionMetadata


class OpenFormsConfig(WebhookConfig):
    """Which component keys hold free text, the party and the postcode."""

    source: str = Field(
        default="open-forms", min_length=1, max_length=100, description="RawEvent.source value."
    )
    form_name: str | None = Field(
        default=None, description="Subject when the metadata carries no form_name."
    )
    text_fields: list[str] = Field(
        default_factory=list,
        description=(
            "Component keys joined into the text; empty = every multi-word string value whose key"
            " does not name personal data (naam/name, adres/address, straat, telefoon/phone, ...)."
        ),
    )
    bsn_fields: list[str] = Field(
        default_factory=lambda: ["bsn", "auth_bsn", "burgerservicenummer"],
        description="Keys holding a BSN (auth_bsn: the DigiD login's BSN, as Open Forms names it).",
    )
    email_fields: list[str] = Field(
        default_factory=lambda: ["email", "eMailadres", "emailadres"],
        description="Keys holding an e-mail address (party when there is no BSN).",
    )
    postcode_fields: list[str] = Field(
        default_factory=lambda: ["postcode", "adres", "addressNL"],
        description="A postcode string or an addressNL-style object with a 'postcode' key.",
    )
    metadata_fields: list[str] = Field(
        default_factory=list,
        description="Component keys copied to metadata (choices, categories; never identifiers).",
    )


_PERSONAL_KEY = re.compile(
    r"naam|name|adres|address|straat|street|woonplaats|city|telefoon|phone|mobiel|mobile|mail"
    r"|bsn|iban|rekening|geboorte|birth",
    re.IGNORECASE,
)
"""Component keys whose answers are about the person, not the matter: a form's "voornaam" of
"Anne Marie" or "adres" of "Kerkstraat 1" is not what the resident wants to tell the municipality,
and masking does not remove names."""


def _first_string(values: Mapping[str, JsonValue], keys: list[str]) -> str | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _postcode(values: Mapping[str, JsonValue], keys: list[str]) -> str | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, dict):
            value = value.get("postcode")
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _text(values: Mapping[str, JsonValue], config: OpenFormsConfig) -> str:
    """The free-text answers, in form order; identifier fields never count as text."""
    if config.text_fields:
        keys = config.text_fields
    else:
        skip = {*config.bsn_fields, *config.email_fields, *config.postcode_fields}
        keys = [
            k
            for k, v in values.items()
            if k not in skip and not _PERSONAL_KEY.search(k) and isinstance(v, str) and " " in v
        ]
    parts = [values[k] for k in keys if isinstance(values.get(k), str)]
    return "\n".join(str(part).strip() for part in parts if str(part).strip())


def to_raw_event(submission: Submission, config: OpenFormsConfig) -> schemas.RawEvent:
    """Map one submission: text from free-text fields, BSN or e-mail as party, postcode as area."""
    values, meta = submission.values, submission.metadata
    party, kind = _first_string(values, config.bsn_fields), "bsn"
    if party is None:
        party, kind = _first_string(values, config.email_fields), "email"
    postcode = _postcode(values, config.postcode_fields)
    metadata: dict[str, JsonValue] = {
        "auth_type": meta.auth_type,
        "form_version": meta.form_version,
    }
    metadata.update({key: values[key] for key in config.metadata_fields if key in values})
    return schemas.RawEvent(
        id=meta.public_reference,
        channel=schemas.Channel.WEB,
        source=config.source,
        occurred_at=meta.registration_timestamp,
        text=_text(values, config),
        subject=meta.form_name or config.form_name,
        language=meta.language_code,
        location=schemas.RawLocation(postcode=postcode) if postcode else None,
        party=party,
        party_kind=kind if party else None,
        metadata=metadata,
    )


class OpenFormsWebhookConnector(WebhookConnector[OpenFormsConfig]):
    """Receives Open Forms json_dump registrations at /hooks/open-forms-webhook."""

    name: ClassVar[str] = "open-forms-webhook"
    channel: ClassVar[schemas.Channel] = schemas.Channel.WEB
    config_model: ClassVar[type[ConnectorConfig]] = OpenFormsConfig
    description: ClassVar[str] = "Open Forms submissions (generic JSON registration plugin)."

    def parse(self, body: bytes, headers: Mapping[str, str]) -> list[SourceRecord | BadRecord]:
        return parse_single(
            Submission, body, self.name, lambda item: to_raw_event(item, self.config)
        )
