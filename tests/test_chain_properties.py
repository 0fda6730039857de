"""Whatever a raw topic carries, the chain either dead-letters it with a reason or publishes an
interaction that is valid under the published JSON Schema (hypothesis, no Kafka)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.chain import Chain, serialise
from pipeline.normalise import StageError
from pipeline.privacy import Pseudonymiser
from pipeline.tagging import Tagger
from schemas import Interaction, limits

SCHEMA = json.loads(
    (Path(__file__).resolve().parents[1] / "schemas" / "json" / "interaction-1.json").read_text()
)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
CHAIN = Chain(Tagger.load(), Pseudonymiser(b"k" * 32), max_event_bytes=1 << 20)

identifiers = st.sampled_from(
    ["06-12345678", "+31 6 1234 5678", "a@b.nl", "NL91 ABNA 0417 1643 00", "123456782",
     "Kerkstraat 12a, 3511 AB Utrecht", "postcode 1234 AB", "[E-MAIL]", "#buurt", "@gemeente"]
)  # fmt: skip
words = st.text(  # no digits or identifier marks: an identifier stays separate from its neighbours
    st.characters(blacklist_categories=("Nd", "Cs"), blacklist_characters="+@#[]%"), max_size=40
)
texts = st.lists(st.one_of(words, identifiers), max_size=12).map(" ".join)
MUST_GO = ("06-12345678", "1234 5678", "a@b.nl", "NL91 ABNA", "0417 1643", "123456782")
"""Parts of the identifiers above that must never reach the feed."""
odd = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
    st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers()),
)  # fmt: skip
times = st.sampled_from(
    ["2026-11-30T10:00:00+01:00", "2026-11-30T10:00:00Z", "2026-11-30T10:00:00.123456-05:30",
     "1900-01-01T00:00:00+00:19:32", "2026-11-30T10:00:00", "30-11-2026", ""]
)  # fmt: skip
channels = st.sampled_from(["phone", "counter", "web", "social", "neighbourhood", "email",
                            "field", "fax", "PHONE", ""])  # fmt: skip


@st.composite
def raw_events(draw: st.DrawFn) -> dict[str, Any]:
    """Mostly valid events, with any field now and then replaced by something odd."""
    event: dict[str, Any] = {
        "id": draw(st.text(min_size=1, max_size=40)),
        "channel": draw(channels),
        "source": draw(st.text(min_size=1, max_size=20)),
        "occurred_at": draw(times),
        "text": draw(texts),
    }
    optional = {
        "subject": st.one_of(texts, st.none()),
        "language": st.sampled_from(["nl", "en", "NL", "xx", None]),
        "party": st.one_of(identifiers, st.text(max_size=20)),
        "party_kind": st.sampled_from(["phone", "email", "bsn", "handle", "other", "fax"]),
        "location": st.one_of(
            texts, st.fixed_dictionaries({"postcode": st.sampled_from(["3511 AB", "0000", "x"])})
        ),
        "extra_field": odd,
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            event[key] = draw(strategy)
    if draw(st.integers(0, 4)) == 0:  # one field of the wrong type
        event[draw(st.sampled_from(sorted(event)))] = draw(odd)
    return event


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_events())
def test_an_event_is_dead_lettered_with_a_reason_or_published_valid(event: dict[str, Any]) -> None:
    try:
        interaction = CHAIN.process_bytes(json.dumps(event).encode())
    except StageError as error:
        assert error.message and error.stage in {"parse", "normalise", "protect", "tag"}
        return
    document = json.loads(serialise(interaction))
    errors = [f"{e.json_path}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []
    assert len(document["content"]) <= limits.MAX_TEXT
    published = document["content"] + (document["subject"] or "")
    assert not [part for part in MUST_GO if part in published]


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.one_of(raw_events().map(json.dumps).map(str.encode), st.none()), max_size=8))
def test_a_batch_gives_what_each_event_gives_on_its_own(values: list[bytes | None]) -> None:
    """``process_many`` runs the steps a batch at a time; per event the outcome is the same as
    ``process_bytes``: the same interaction, or a StageError of the same stage and message."""
    moment = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
    batch = CHAIN.process_many(values, moment)
    assert len(batch) == len(values)
    for value, result in zip(values, batch, strict=True):
        try:
            alone: Interaction | StageError = CHAIN.process_bytes(value, moment)
        except StageError as error:
            alone = error
        if isinstance(alone, StageError):
            assert isinstance(result, StageError)
            assert (result.stage, result.message) == (alone.stage, alone.message)
        else:
            assert isinstance(result, Interaction)
            assert serialise(result) == serialise(alone)
