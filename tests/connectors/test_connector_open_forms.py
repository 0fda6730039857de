"""The open-forms-webhook connector: json_dump registrations of Open Forms."""

from __future__ import annotations

import json

from connectors.contract import BadRecord, SourceRecord
from connectors.web.open_forms import OpenFormsConfig, OpenFormsWebhookConnector
from schemas import Channel, RawLocation
from tests.connectors.connector_helpers import sample


def _parse(body: bytes, **config: object) -> SourceRecord | BadRecord:
    connector = OpenFormsWebhookConnector(OpenFormsConfig.model_validate({"secret": "s", **config}))
    (record,) = connector.parse(body, {})
    return record


def test_submission_maps_text_party_location_and_subject() -> None:
    """Free-text answers form the text; e-mail is the party; the postcode is the location."""
    record = _parse(sample("open_forms/submission.json"), metadata_fields=["soortMelding"])
    assert isinstance(record, SourceRecord)
    event = record.event
    assert event.id == "OF-7KQ2MA"
    assert event.channel is Channel.WEB
    assert event.subject == "Melding openbare ruimte"
    assert event.language == "nl"
    assert event.text.splitlines() == [
        "Al weken staat er een kapotte bank in het plantsoen achter de school. Kinderen spelen "
        "ermee en er steken spijkers uit.",
        "Bij de ingang aan de kant van het fietspad.",
    ]
    assert (event.party, event.party_kind) == ("melder@example.nl", "email")
    assert event.location == RawLocation(postcode="1091 GH")
    assert event.metadata["soortMelding"] == "overlast"
    assert "omschrijving" not in event.metadata and "eMailadres" not in event.metadata


def test_bsn_wins_over_email_and_address_objects_give_a_postcode() -> None:
    """With a BSN the party is the BSN; an addressNL value yields its postcode only."""
    record = _parse(sample("open_forms/submission_bsn.json"), form_name="Bezwaar WOZ")
    assert isinstance(record, SourceRecord)
    event = record.event
    assert (event.party, event.party_kind) == ("111222333", "bsn")
    assert event.location == RawLocation(postcode="3511 AB")
    assert event.subject == "Bezwaar WOZ"
    assert "111222333" not in event.text


def test_configured_text_fields_limit_the_text() -> None:
    """Configured text fields are the only ones joined into the text."""
    record = _parse(sample("open_forms/submission.json"), text_fields=["locatieToelichting"])
    assert isinstance(record, SourceRecord)
    assert record.event.text == "Bij de ingang aan de kant van het fietspad."


def test_missing_public_reference_is_bad() -> None:
    """Without public_reference there is no stable id: a BadRecord naming the field."""
    payload = json.loads(sample("open_forms/submission.json"))
    del payload["metadata"]["public_reference"]
    record = _parse(json.dumps(payload).encode())
    assert isinstance(record, BadRecord)
    assert "metadata.public_reference" in record.reason


def test_overlong_postcode_is_bad_not_a_crash() -> None:
    """A value the RawEvent refuses (a 40-character postcode) is a BadRecord."""
    payload = json.loads(sample("open_forms/submission.json"))
    payload["values"]["postcode"] = "1" * 40
    record = _parse(json.dumps(payload).encode())
    assert isinstance(record, BadRecord) and "postcode" in record.reason


def test_default_text_skips_answers_about_the_person_and_auth_bsn_is_the_party() -> None:
    """Names, addresses and phone numbers typed into a form are not the message; the DigiD
    login's BSN (auth_bsn, as Open Forms sends it) is the party."""
    body = json.loads(sample("open_forms/submission_bsn.json"))
    values = body["values"]
    values["auth_bsn"] = values.pop("bsn")
    values |= {
        "voornaam": "Anne Marie",
        "achternaam": "van der Berg",
        "straatnaam": "Lange Nieuwstraat",
        "telefoonnummer": "06 1234 5678",
        "opmerking": "Graag snel contact over de hoogte.",
    }
    record = _parse(json.dumps(body).encode())
    assert isinstance(record, SourceRecord)
    event = record.event
    assert (event.party, event.party_kind) == ("111222333", "bsn")
    assert event.text.splitlines() == [
        values["toelichting"],
        "Graag snel contact over de hoogte.",
    ]
