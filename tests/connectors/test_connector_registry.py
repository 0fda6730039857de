"""The shipped connectors are registered, and their webhook harnesses produce what they parse."""

from __future__ import annotations

import pytest

from connectors.contract import BadRecord, SourceRecord, WebhookConnector
from connectors.registry import load_connectors
from connectors.testing.harness import WEBHOOK_HARNESSES

SHIPPED = {
    "asterisk-cdr": "phone",
    "cti-webhook": "phone",
    "queue-webhook": "counter",
    "open-forms-webhook": "web",
    "webchat-webhook": "web",
    "mastodon": "social",
    "meta-webhook": "social",
    "decidim": "neighbourhood",
    "neighbourhood-webhook": "neighbourhood",
}


def test_every_shipped_connector_is_an_entry_point_on_its_channel() -> None:
    """All nine connectors load through the entry-point group with the documented channel."""
    found = load_connectors()
    assert {name: found[name].channel.value for name in SHIPPED if name in found} == SHIPPED


@pytest.mark.parametrize("name", sorted(WEBHOOK_HARNESSES))
def test_harness_bodies_parse_into_distinct_events(name: str) -> None:
    """Three harness bodies give three events with distinct ids; the bad body a BadRecord."""
    cls = load_connectors()[name]
    assert issubclass(cls, WebhookConnector)
    harness = WEBHOOK_HARNESSES[name]
    connector = cls(cls.config_model.model_validate(harness.config()))
    records = [r for body in harness.bodies(3) for r in connector.parse(body, {})]
    assert all(isinstance(r, SourceRecord) for r in records)
    assert len({r.event.id for r in records if isinstance(r, SourceRecord)}) == 3
    (bad,) = connector.parse(harness.bad_body(), {})
    assert isinstance(bad, BadRecord) and bad.reason.startswith(f"{name}: ")
