"""CloudEvents 1.0 binary-mode Kafka headers for the interaction feed (NL GOV CloudEvents profile).

Binary mode keeps the record value the plain interaction JSON, so consumers that ignore
CloudEvents lose nothing, while CloudEvents-aware routers read the envelope from the headers.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from pipeline.errors import SamenspelError
from schemas import SCHEMA_VERSION, Interaction
from schemas.export import message_type

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json"
EVENT_TYPE = f"nl.samenspel.interaction.v{SCHEMA_VERSION.split('.')[0]}"
"""The event type; its suffix follows the major schema version, so v2 events are told apart."""

DATASCHEMA = message_type("interaction").schema_id

_OIN = re.compile(r"\d{20}")


def event_source(oin: str) -> str:
    """``urn:nld:oin:<OIN>:samenspel``: the publishing organisation by its 20-digit OIN."""
    if not _OIN.fullmatch(oin):
        raise SamenspelError(f"OIN must be 20 digits, got {oin!r} (set SAMENSPEL_OIN)")
    return f"urn:nld:oin:{oin}:samenspel"


def rfc3339_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``: an offset with seconds (old zone data) is not RFC 3339."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def feed_headers(interaction: Interaction, *, oin: str) -> list[tuple[str, bytes]]:
    """The Kafka headers that make a feed record a binary-mode CloudEvent.

    ``ce_time`` is when the interaction took place, ``ce_subject`` its channel, so that a router
    can filter on channel without parsing the value.
    """
    attributes = (
        ("ce_specversion", SPECVERSION),
        ("ce_id", interaction.id),
        ("ce_source", event_source(oin)),
        ("ce_type", EVENT_TYPE),
        ("ce_time", rfc3339_utc(interaction.occurred_at)),
        ("ce_subject", interaction.channel.value),
        ("ce_dataschema", DATASCHEMA),
        ("content-type", CONTENT_TYPE),
    )
    return [(name, value.encode("utf-8")) for name, value in attributes]
