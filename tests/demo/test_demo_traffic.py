"""The traffic model: deterministic, shapes the real connectors accept, bursts, bad events."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from connectors.contract import BadRecord, SourceRecord
from connectors.neighbourhood.decidim import Proposal, proposal_event
from connectors.phone.asterisk import parse_cdr
from connectors.registry import load_connectors
from connectors.social.mastodon import Status
from connectors.social.mastodon import to_raw_event as status_event
from pipeline.demo.pool import CHANNELS, load_pool
from pipeline.demo.traffic import WEBHOOK_TARGETS, Emission, Scenario, Traffic
from pipeline.privacy.masking import mask_text
from schemas import RawEvent

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)
POOL = load_pool()


def run(traffic: Traffic, seconds: float, tick: float = 0.1) -> list[tuple[float, Emission]]:
    out = []
    steps = round(seconds / tick)
    for i in range(steps):
        out += [(i * tick, e) for e in traffic.step(i * tick, (i + 1) * tick, NOW)]
    return out


@cache
def webhook_connector(name: str) -> Any:
    cls = load_connectors()[name]
    return cls(cls.config_model.model_validate({"secret": "s"}))


def parse(emission: Emission) -> list[SourceRecord | BadRecord]:
    """Parse an emission exactly as the demo's connector for it would."""
    if emission.target in WEBHOOK_TARGETS:
        return list(webhook_connector(emission.target).parse(emission.body, {}))
    if emission.target == "mastodon":
        event = status_event(Status.model_validate_json(emission.body))
    elif emission.target == "decidim":
        event = proposal_event(Proposal.model_validate_json(emission.body), "1", "decidim")
    else:
        assert emission.target == "asterisk-cdr"
        line = emission.body.decode().rstrip("\n")
        event = parse_cdr(line, zone=ZoneInfo("Europe/Amsterdam"))
    return [SourceRecord(event, None)]


def test_same_seed_same_traffic_other_seed_other_traffic() -> None:
    """A seed fixes every emission; another seed gives other traffic."""
    first = run(Traffic(POOL, seed=11, run_id="r"), 20)
    again = run(Traffic(POOL, seed=11, run_id="r"), 20)
    other = run(Traffic(POOL, seed=12, run_id="r"), 20)
    assert first == again
    assert [e.body for _, e in first] != [e.body for _, e in other]


def test_every_channel_and_connector_is_fed_at_about_the_rate() -> None:
    """A quiet minute (no bursts) reaches all five channels and nine connectors at the base rate."""
    quiet = Scenario(storm=(0, 0), dispute=(0, 0), bad_at=())
    emitted = [e for _, e in run(Traffic(POOL, rate=5, seed=3, scenario=quiet), 60)]
    assert 290 <= len(emitted) <= 300
    assert set(Counter(e.channel for e in emitted)) == set(CHANNELS)
    targets = {e.target for e in emitted}
    assert targets == {*WEBHOOK_TARGETS, "mastodon", "decidim", "asterisk-cdr"}


def test_good_emissions_parse_with_the_real_connectors_into_their_channel() -> None:
    """Every normal emission is accepted by its connector and lands on the emission's channel."""
    emitted = [e for _, e in run(Traffic(POOL, seed=5), 60) if e.target != "raw"]
    good = [e for e in emitted if e.kind not in ("bad-body", "bad-json")]
    assert len(good) > 100
    for emission in good:
        records = parse(emission)
        assert records, emission.target
        for record in records:
            assert isinstance(record, SourceRecord), (emission.target, record)
            assert isinstance(record.event, RawEvent)
            channel = record.event.channel.value
            assert {"email": "web", "field": "neighbourhood"}.get(
                channel, channel
            ) == emission.channel


def test_storm_is_a_burst_of_crisis_reports() -> None:
    """During the storm window more events per second arrive, and most are crisis reports."""
    scenario = Scenario()
    emitted = run(Traffic(POOL, rate=5, seed=9, scenario=scenario), scenario.cycle_s)
    start, end = scenario.storm
    storm = [e for t, e in emitted if start <= t < end]
    calm = [e for t, e in emitted if scenario.dispute[1] <= t < scenario.dispute[1] + (end - start)]
    assert len(storm) >= 3 * len([e for e in calm if e.kind == "normal"])
    assert Counter(e.kind for e in storm)["storm"] > len(storm) / 2
    assert {e.channel for e in storm if e.kind == "storm"} <= {"phone", "web", "social"}


def test_disputed_plan_is_a_wave_of_objections_on_social() -> None:
    """In the dispute window most events are objections, and all objections arrive on social."""
    scenario = Scenario()
    emitted = run(Traffic(POOL, rate=5, seed=4, scenario=scenario), scenario.cycle_s)
    wave = [e for t, e in emitted if scenario.dispute[0] <= t < scenario.dispute[1]]
    objections = [e for e in wave if e.kind == "objection"]
    assert len(objections) > len(wave) / 2
    assert {e.channel for e in objections} == {"social"}
    assert {e.target for e in objections} == {"mastodon", "meta-webhook"}


def test_each_cycle_has_malformed_json_a_forged_webhook_and_an_unparseable_body() -> None:
    """Bad events come once per listed moment: raw junk, a wrongly signed POST, a bad payload."""
    scenario = Scenario()
    emitted = [e for _, e in run(Traffic(POOL, seed=2, scenario=scenario), scenario.cycle_s)]
    by_kind = Counter(e.kind for e in emitted)
    n = len(scenario.bad_at)
    assert by_kind["bad-json"] == by_kind["bad-signature"] == by_kind["bad-body"] == n
    for emission in emitted:
        if emission.kind == "bad-json":
            assert emission.target == "raw"
            with pytest.raises(json.JSONDecodeError):
                json.loads(emission.body)
        if emission.kind == "bad-signature":
            assert emission.signed is False
        if emission.kind == "bad-body":
            assert all(isinstance(r, BadRecord) for r in parse(emission))
    assert all(e.signed for e in emitted if e.kind != "bad-signature")


def test_some_texts_carry_identifiers_so_masking_shows() -> None:
    """A share of the messages names a phone number, e-mail address or BSN."""
    traffic = Traffic(POOL, seed=8)
    texts = [traffic.message(POOL.by_channel["web"][i % 10], NOW).text for i in range(200)]
    found = Counter(kind for text in texts for kind in mask_text(text).found)
    assert found["phone"] > 10 and found["email"] > 10 and found["bsn"] > 2
    assert sum(1 for text in texts if not mask_text(text).found) > 100


def test_rate_must_be_positive() -> None:
    """A zero rate is refused with a message naming the rate."""
    with pytest.raises(ValueError, match="rate"):
        Traffic(POOL, rate=0)
