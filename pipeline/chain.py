"""The processing chain: parse → normalise → protect → tag, as one pure object.

The faust agents and ``samenspel tag`` both call ``Chain.process_bytes``, so the feed and the
offline command produce the same interaction for the same input. Each step raises StageError
with its stage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, cast

import orjson

from pipeline.normalise import NormalisedEvent, StageError, normalise, parse_raw_event
from pipeline.privacy import Kind, Pseudonymiser, mask_text
from pipeline.tagging.trusted import construct
from schemas import Interaction, Location, RawEvent, Tags

_SCHEMA_VERSION: str = Interaction.model_fields["schema_version"].default
"""Looked up once: ``model_fields`` on the class costs microseconds per access."""


class TaggerLike(Protocol):
    """What the chain needs of a tagger (pipeline.tagging.Tagger satisfies it)."""

    def tag(self, text: str, *, channel: str, subject: str | None = None) -> Tags: ...


@dataclass(frozen=True, slots=True)
class ProtectedEvent:
    """A normalised event whose text, subject and party no longer carry identifiers."""

    event: NormalisedEvent
    content: str
    subject: str | None
    party: str | None
    location: Location | None


class Chain:
    """Parse, normalise, protect and tag raw events; pure apart from the clock."""

    def __init__(
        self, tagger: TaggerLike, pseudonymiser: Pseudonymiser, *, max_event_bytes: int
    ) -> None:
        self.tagger = tagger
        self.pseudonymiser = pseudonymiser
        self.max_event_bytes = max_event_bytes

    def parse(self, value: bytes | None) -> RawEvent:
        return parse_raw_event(value, max_bytes=self.max_event_bytes)

    def protect(self, event: NormalisedEvent) -> ProtectedEvent:
        """Remove identifiers from text and subject; replace the party by its keyed pseudonym."""
        try:
            content = mask_text(event.text)
            subject = mask_text(event.subject).text if event.subject else None
            party = (
                self.pseudonymiser.pseudonym(event.party, cast(Kind | None, event.party_kind))
                if event.party
                else None
            )
        except Exception as exc:
            raise StageError(
                "protect", f"{type(exc).__name__}: masking failed", type(exc).__name__
            ) from None
        location = event.location
        if location is None and content.postcode4:
            location = Location(postcode4=content.postcode4)
        if location is None and event.address_text:
            postcode4 = mask_text(event.address_text).postcode4
            location = Location(postcode4=postcode4) if postcode4 else None
        return ProtectedEvent(event, content.text, subject, party, location)

    def tag(self, protected: ProtectedEvent) -> Tags:
        try:
            return self.tagger.tag(
                protected.content, channel=protected.event.channel.value, subject=protected.subject
            )
        except Exception as exc:
            raise StageError("tag", f"{type(exc).__name__}: {exc}", type(exc).__name__) from None

    def process(self, raw: RawEvent, received_at: datetime | None = None) -> Interaction:
        """Turn a validated raw event into the interaction that goes on the feed."""
        try:
            event = normalise(raw)
        except Exception as exc:
            raise StageError(
                "normalise", f"{type(exc).__name__}: {exc}", type(exc).__name__
            ) from None
        protected = self.protect(event)
        tags = self.tag(protected)
        return construct(
            Interaction,
            {
                "schema_version": _SCHEMA_VERSION,
                "id": event.id,
                "channel": event.channel,
                "source": event.source,
                "occurred_at": event.occurred_at,
                "received_at": received_at or datetime.now(UTC),
                "subject": protected.subject,
                "content": protected.content,
                "language": event.language,
                "confidential": event.confidential,
                "party": protected.party,
                "location": protected.location,
                "tags": tags,
            },
        )

    def process_bytes(
        self, value: bytes | None, received_at: datetime | None = None
    ) -> Interaction:
        return self.process(self.parse(value), received_at)


def serialise(interaction: Interaction) -> bytes:
    """The feed's wire form: compact JSON, field order as in the schema."""
    return orjson.dumps(interaction.model_dump(mode="json"))
