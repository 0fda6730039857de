"""CloudEvents binary-mode headers of the feed, checked by hand and by the CloudEvents SDK."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from pipeline.cloudevents import EVENT_TYPE, event_source, feed_headers
from pipeline.errors import SamenspelError
from schemas import SCHEMA_VERSION, Interaction, Tags, interaction_id
from schemas.taxonomy import Channel, CitizenRole, MunicipalityRole, Perspective

OIN = "00000001001234567000"


def _interaction(occurred_at: datetime, channel: Channel = Channel.SOCIAL) -> Interaction:
    return Interaction(
        id=interaction_id("mastodon", "109876"),
        channel=channel,
        source="mastodon",
        occurred_at=occurred_at,
        received_at=datetime(2024, 5, 2, tzinfo=UTC),
        content="Moeten we het water koken?",
        tags=Tags(
            perspective=Perspective.BELANGHEBBENDEN,
            citizen_role=CitizenRole.GETROFFENE,
            municipality_role=MunicipalityRole.INFORMEREN,
            confidence=0.7,
            needs_review=False,
            tagger_version="t1",
        ),
    )


def test_headers_carry_the_cloudevents_attributes() -> None:
    """Each attribute is a UTF-8 header with the value the contract names."""
    interaction = _interaction(datetime(2024, 5, 1, 9, 30, 15, 250000, tzinfo=UTC))
    headers = dict(feed_headers(interaction, oin=OIN))
    assert headers == {
        "ce_specversion": b"1.0",
        "ce_id": interaction.id.encode(),
        "ce_source": f"urn:nld:oin:{OIN}:samenspel".encode(),
        "ce_type": b"nl.samenspel.interaction.v1",
        "ce_time": b"2024-05-01T09:30:15.250000Z",
        "ce_subject": b"social",
        "ce_dataschema": b"https://samenspel.nl/schemas/interaction-1.json",
        "content-type": b"application/json",
    }


def test_header_names_are_unique_and_ordered_with_specversion_first() -> None:
    """Kafka allows repeated header names; a CloudEvent must not have them."""
    names = [name for name, _ in feed_headers(_interaction(datetime.now(UTC)), oin=OIN)]
    assert len(names) == len(set(names)) and names[0] == "ce_specversion"


def test_time_with_an_offset_is_given_in_utc() -> None:
    """An occurred_at in CEST becomes the same instant in UTC."""
    cest = timezone(timedelta(hours=2))
    headers = dict(feed_headers(_interaction(datetime(2024, 5, 1, 11, 0, tzinfo=cest)), oin=OIN))
    assert headers["ce_time"] == b"2024-05-01T09:00:00Z"


def test_subject_follows_the_channel() -> None:
    """A router can filter on channel through ce_subject."""
    headers = dict(feed_headers(_interaction(datetime.now(UTC), Channel.COUNTER), oin=OIN))
    assert headers["ce_subject"] == b"counter"


def test_event_type_follows_the_major_schema_version() -> None:
    """The type suffix is the major version of SCHEMA_VERSION."""
    assert EVENT_TYPE.endswith(f".v{SCHEMA_VERSION.split('.')[0]}")


@pytest.mark.parametrize("oin", ["", "123", "0000000100123456700a", "000000010012345670001"])
def test_bad_oin_is_a_user_error(oin: str) -> None:
    """An OIN that is not 20 digits is refused with a message naming the value and setting."""
    with pytest.raises(SamenspelError, match="SAMENSPEL_OIN") as caught:
        event_source(oin)
    assert repr(oin) in str(caught.value)


def test_cloudevents_sdk_reads_the_record_as_the_same_event() -> None:
    """The official SDK parses headers plus value into an event with our attributes and data."""
    interaction = _interaction(datetime(2024, 5, 1, 9, 30, tzinfo=UTC))
    message = KafkaMessage(
        headers=dict(feed_headers(interaction, oin=OIN)),
        key=interaction.id.encode(),
        value=interaction.model_dump_json().encode(),
    )
    event = from_binary_event(message)
    assert event.get_id() == interaction.id
    assert event.get_source() == f"urn:nld:oin:{OIN}:samenspel"
    assert event.get_type() == "nl.samenspel.interaction.v1"
    assert event.get_time() == interaction.occurred_at
    assert event.get_subject() == "social"
    assert event.get_datacontenttype() == "application/json"
    data = event.get_data()
    assert isinstance(data, dict) and data["id"] == interaction.id
