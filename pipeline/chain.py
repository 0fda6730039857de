"""The processing chain: parse → normalise → protect → tag, as one pure object.

The worker calls ``Chain.process_many`` on each batch and ``samenspel tag`` calls
``Chain.process_bytes`` per line: both run the same steps, so the feed and the offline command
produce the same interaction for the same input. Each step raises StageError with its stage.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import partial
from typing import Any, NamedTuple, Protocol, cast

import orjson
from pydantic import BaseModel

from pipeline.normalise import NormalisedEvent, StageError, normalise, parse_raw_event
from pipeline.privacy import Kind, Pseudonymiser, mask_text
from pipeline.tagging.trusted import construct
from schemas import Interaction, Location, RawEvent, Tags, limits

_SCHEMA_VERSION: str = Interaction.model_fields["schema_version"].default
"""Looked up once: ``model_fields`` on the class costs microseconds per access."""


class TaggerLike(Protocol):
    """What the chain needs of a tagger (pipeline.tagging.Tagger satisfies it)."""

    def tag(self, text: str, *, channel: str, subject: str | None = None) -> Tags: ...


class ProtectedEvent(NamedTuple):
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
                self.pseudonymiser.pseudonym(event.party, cast("Kind | None", event.party_kind))
                if event.party
                else None
            )
            location = event.location
            if location is None:
                postcode4 = content.postcode4
                if postcode4 is None and event.address_text:
                    postcode4 = mask_text(event.address_text).postcode4
                location = Location(postcode4=postcode4) if postcode4 else None
        except Exception as exc:
            raise StageError(
                "protect", f"{type(exc).__name__}: masking failed", type(exc).__name__
            ) from None
        masked = _within(content.text, limits.MAX_TEXT)
        subject = _within(subject, limits.MAX_SUBJECT) if subject else subject
        return ProtectedEvent(event, masked, subject, party, location)

    def tag(self, protected: ProtectedEvent) -> Tags:
        try:
            return self.tagger.tag(
                protected.content, channel=protected.event.channel.value, subject=protected.subject
            )
        except Exception as exc:
            raise StageError("tag", f"{type(exc).__name__}: {exc}", type(exc).__name__) from None

    def normalise(self, raw: RawEvent) -> NormalisedEvent:
        try:
            return normalise(raw)
        except Exception as exc:
            raise StageError(
                "normalise", f"{type(exc).__name__}: {exc}", type(exc).__name__
            ) from None

    def interaction(self, protected: ProtectedEvent, received_at: datetime) -> Interaction:
        """Tag a protected event and build the interaction that goes on the feed."""
        tags = self.tag(protected)
        event = protected.event
        return construct(
            Interaction,
            {
                "schema_version": _SCHEMA_VERSION,
                "id": event.id,
                "channel": event.channel,
                "source": event.source,
                "occurred_at": event.occurred_at,
                "received_at": received_at,
                "subject": protected.subject,
                "content": protected.content,
                "language": event.language,
                "confidential": event.confidential,
                "party": protected.party,
                "location": protected.location,
                "tags": tags,
            },
        )

    def process(self, raw: RawEvent, received_at: datetime | None = None) -> Interaction:
        """Turn a validated raw event into the interaction that goes on the feed."""
        protected = self.protect(self.normalise(raw))
        return self.interaction(protected, received_at or datetime.now(UTC))

    def process_bytes(
        self, value: bytes | None, received_at: datetime | None = None
    ) -> Interaction:
        return self.process(self.parse(value), received_at)

    def process_many(
        self, values: Sequence[bytes | None], received_at: datetime | None = None
    ) -> list[Interaction | Exception]:
        """``process_bytes`` of each value: its interaction, or the exception it raised.

        The steps run one at a time over the whole batch, not one event at a time through all
        steps: each step's code and tables then stay in the CPU's caches, ~20% less time per
        event in batches of 50 or more (docs/performance.md). An event that fails a step skips
        the later ones; its neighbours go on. Every event of the batch is received at one moment.
        """
        items: list[Any] = list(values)
        moment = received_at or datetime.now(UTC)
        _each(items, self.parse)
        _each(items, self.normalise)
        _each(items, self.protect)
        _each(items, partial(self.interaction, received_at=moment))
        return items


def _each(items: list[Any], step: Callable[[Any], Any]) -> None:
    """Replace each item that is not yet an exception by ``step(item)``, or by what it raised."""
    for index, item in enumerate(items):
        if not isinstance(item, Exception):
            try:
                items[index] = step(item)
            except Exception as exc:
                items[index] = exc


def _within(text: str, limit: int) -> str:
    """``text`` clipped to the feed's limit with "…": a placeholder can be longer than what it
    replaces ("a@b.nl" becomes "[E-MAIL]"), so masked text may outgrow a raw event's valid length.
    """
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _dumps_as_is(model: type[BaseModel]) -> bool:
    """True when ``model_dump(mode="json")`` of ``model`` is its ``__dict__``, values unchanged.

    No serializers, computed fields, aliases, exclusions or extras: then orjson can write the
    instance's own values (see ``_wire_ready``).
    """
    decorators = model.__pydantic_decorators__
    return not (
        decorators.field_serializers
        or decorators.model_serializers
        or decorators.computed_fields
        or model.model_config.get("extra") == "allow"
        or any(
            field.alias or field.serialization_alias or field.exclude
            for field in model.model_fields.values()
        )
    )


_AS_IS = all(_dumps_as_is(model) for model in (Interaction, Tags, Location))
_INTERACTION_FIELD_COUNT = len(Interaction.model_fields)
_TAGS_FIELD_COUNT = len(Tags.model_fields)


def _whole_minutes(moment: Any) -> bool:
    """True for an offset of whole minutes: pydantic drops seconds of an offset, orjson rounds."""
    if type(moment) is not datetime:
        return False
    if moment.tzinfo is UTC:
        return True
    offset = moment.utcoffset()
    return offset is None or not (offset.seconds % 60 or offset.microseconds)


def _wire_ready(interaction: Interaction) -> bool:
    """True when orjson writes ``interaction`` as ``model_dump(mode="json")`` would.

    orjson writes datetimes (UTC as "Z"), enums, floats and strings as pydantic does; the checks
    keep out what differs: other classes, missing fields, an int as confidence (pydantic writes
    ``1.0``) and offsets with seconds. ``__dict__`` is in field order: pydantic and ``construct``
    build it so and assignment keeps it.
    """
    values = interaction.__dict__
    tags = values.get("tags")
    location = values.get("location")
    return not (
        type(interaction) is not Interaction
        or len(values) != _INTERACTION_FIELD_COUNT
        or type(tags) is not Tags
        or len(tags.__dict__) != _TAGS_FIELD_COUNT
        or type(tags.confidence) is not float
        or (location is not None and type(location) is not Location)
        or not _whole_minutes(values["occurred_at"])
        or not _whole_minutes(values["received_at"])
    )


def _model_values(value: object) -> dict[str, Any]:
    """orjson's hook for the nested models: their values, as for the interaction itself."""
    if type(value) is Tags or type(value) is Location:
        return value.__dict__
    raise TypeError(f"Type is not JSON serializable: {type(value).__name__}")


def serialise(interaction: Interaction) -> bytes:
    """The feed's wire form: compact JSON, field order as in the schema.

    Byte for byte ``orjson.dumps(interaction.model_dump(mode="json"))``, which it falls back to;
    the direct path skips pydantic's conversion to Python values, most of the cost.
    """
    if _AS_IS and _wire_ready(interaction):
        return orjson.dumps(interaction.__dict__, default=_model_values, option=orjson.OPT_UTC_Z)
    return orjson.dumps(interaction.model_dump(mode="json"))
