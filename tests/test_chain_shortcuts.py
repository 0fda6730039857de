"""Speed shortcuts of parse, normalise and serialise give exactly what the slower code gave."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic_core import TzInfo

from pipeline.chain import Chain, _model_values, _whole_minutes, _wire_ready, serialise
from pipeline.normalise import StageError, normalise, parse_raw_event
from pipeline.privacy import Pseudonymiser
from pipeline.tagging.trusted import construct
from schemas import (
    Channel,
    CitizenRole,
    Interaction,
    Location,
    MunicipalityRole,
    Perspective,
    Tags,
    interaction_id,
)


def _reference(interaction: Interaction) -> bytes | str:
    """The wire form as serialise wrote it before its direct path, or the error it raised."""
    try:
        return orjson.dumps(interaction.model_dump(mode="json"))
    except Exception as exc:
        return type(exc).__name__


def _serialised(interaction: Interaction) -> bytes | str:
    try:
        return serialise(interaction)
    except Exception as exc:
        return type(exc).__name__


ZONES = [
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=-5, minutes=-30)),
    timezone(timedelta(seconds=3723)),  # seconds in the offset: pydantic and orjson differ
    TzInfo(3600),
    TzInfo(0),
    TzInfo(-61),
    ZoneInfo("Europe/Amsterdam"),  # before 1937: +00:19:32, seconds again
    ZoneInfo("America/St_Johns"),
    None,
]
moments = st.builds(
    lambda when, zone: when.replace(tzinfo=zone),
    st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2100, 1, 1)),
    st.sampled_from(ZONES),
)
texts = st.text(max_size=40)


@st.composite
def interactions(draw: st.DrawFn) -> Interaction:
    """Interactions as the chain builds them, and odd ones that must take the slow path."""
    confidence = draw(st.one_of(st.floats(0, 1), st.sampled_from([0, 1, True])))
    tags = construct(
        Tags,
        {
            "perspective": draw(st.sampled_from(list(Perspective))),
            "citizen_role": draw(st.sampled_from(list(CitizenRole))),
            "municipality_role": draw(st.sampled_from(list(MunicipalityRole))),
            "confidence": confidence,
            "reasons": draw(st.lists(texts, max_size=3)),
            "needs_review": draw(st.booleans()),
            "tagger_version": "t-1",
        },
    )
    location = draw(
        st.one_of(
            st.none(),
            st.builds(
                Location,
                postcode4=st.sampled_from([None, "3581"]),
                wijk_code=st.sampled_from([None, "WK034401"]),
            ),
        )
    )
    return construct(
        Interaction,
        {
            "schema_version": "1.0.0",
            "id": interaction_id("s", draw(texts.filter(lambda t: "\ud800" not in t))),
            "channel": draw(st.sampled_from(list(Channel))),
            "source": draw(texts),
            "occurred_at": draw(moments),
            "received_at": draw(moments),
            "subject": draw(st.one_of(st.none(), texts)),
            "content": draw(texts),
            "language": draw(st.sampled_from([None, "nl"])),
            "confidential": draw(st.booleans()),
            "party": draw(st.sampled_from([None, "k1:abc"])),
            "location": location,
            "tags": tags,
        },
    )


@settings(max_examples=500, deadline=None)
@given(interactions())
def test_serialise_equals_model_dump_and_orjson(interaction: Interaction) -> None:
    """Byte for byte (or the same error, e.g. for a lone surrogate), on either path."""
    assert _serialised(interaction) == _reference(interaction)


class FixedTagger:
    """The same tags for every text: these tests are about what the chain does around tagging."""

    def tag(self, text: str, *, channel: str, subject: str | None = None) -> Tags:
        return Tags(
            perspective=Perspective.BUURTEN,
            citizen_role=CitizenRole.KLANT,
            municipality_role=MunicipalityRole.LEVEREN,
            confidence=0.5,
            reasons=["r"],
            needs_review=False,
            tagger_version="t",
        )


def test_the_direct_path_is_taken_for_what_the_chain_builds() -> None:
    """Parsed offsets and now(UTC) are whole minutes, confidence is a float: no fallback."""

    chain = Chain(FixedTagger(), Pseudonymiser(b"k" * 32), max_event_bytes=1 << 20)
    value = orjson.dumps(
        {
            "id": "1",
            "channel": "web",
            "source": "s",
            "occurred_at": "2026-11-30T10:00:00.5+05:45",
            "text": "Afval bij 3511 AB",
        }
    )
    interaction = chain.process_bytes(value)
    assert _wire_ready(interaction)
    assert serialise(interaction) == _reference(interaction)


def test_whole_minutes_and_model_values() -> None:
    """The two small helpers of serialise: offset check and orjson's hook for nested models."""
    assert _whole_minutes(datetime(2026, 1, 1, tzinfo=TzInfo(3600)))
    assert _whole_minutes(datetime(2026, 1, 1))
    assert not _whole_minutes(datetime(2026, 1, 1, tzinfo=TzInfo(3630)))
    assert not _whole_minutes("2026-01-01T00:00:00Z")
    location = Location(postcode4="3581")
    assert _model_values(location) == {
        "postcode4": "3581",
        "wijk_code": None,
        "buurt_code": None,
        "municipality_code": None,
    }
    with pytest.raises(TypeError):
        _model_values(object())


def _raw(**fields: object) -> bytes:
    body = {
        "id": "e-1",
        "channel": "web",
        "source": "s",
        "occurred_at": "2026-11-30T10:00:00+01:00",
        "text": "tekst",
    }
    return orjson.dumps(body | fields)


@pytest.mark.parametrize(
    ("metadata", "confidential"),
    [({"confidential": True}, True), ({"vertrouwelijk": True}, True), ({"confidential": 1}, False),
     ({"confidential": "true"}, False), ({}, False)],
)  # fmt: skip
def test_only_a_true_confidential_flag_counts(
    metadata: dict[str, object], confidential: bool
) -> None:
    """Either key, and only JSON true (not 1 or "true"), marks the event confidential."""
    event = normalise(parse_raw_event(_raw(metadata=metadata), max_bytes=10_000))
    assert event.confidential is confidential


def test_normalised_event_is_immutable() -> None:
    """The named tuple cannot be changed after normalise, as the frozen dataclass could not."""
    event = normalise(parse_raw_event(_raw(language="NL"), max_bytes=10_000))
    assert event.language == "nl" and event.id == interaction_id("s", "e-1")
    with pytest.raises(AttributeError):
        event.text = "x"  # type: ignore[misc]


def test_non_ascii_events_are_still_checked_for_utf8() -> None:
    """ASCII skips the decode; other bytes are decoded, so bad UTF-8 still names its byte."""
    good = _raw(text="café €")
    assert parse_raw_event(good, max_bytes=10_000).text == "café €"
    with pytest.raises(StageError) as caught:
        parse_raw_event(good.replace("é".encode(), b"\xe9"), max_bytes=10_000)
    assert caught.value.error_class == "InvalidUtf8"
    assert caught.value.message.startswith("not valid UTF-8 at byte ")


def test_masked_text_longer_than_the_limit_is_clipped_to_stay_valid() -> None:
    """Placeholders outgrow short e-mail addresses: the feed's length limits still hold."""

    chain = Chain(FixedTagger(), Pseudonymiser(b"k" * 32), max_event_bytes=1 << 20)
    text = ("a@b.nl " * 3000)[:20_000]
    subject = ("x@y.io " * 80)[:500]
    interaction = chain.process_bytes(_raw(text=text, subject=subject))
    assert len(interaction.content) == 20_000 and interaction.content.endswith("…")
    assert len(interaction.subject or "") == 500
    assert "@" not in interaction.content + (interaction.subject or "")
    Interaction.model_validate_json(serialise(interaction))  # valid under the strict model
    short = chain.process_bytes(_raw(text="mail a@b.nl"))
    assert short.content == "mail [E-MAIL]"
