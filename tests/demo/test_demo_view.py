"""Rendering of feed lines, dead letters and other records: tags shown, identifiers never."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson

from pipeline.demo.feed import resolve_topic, short_name
from pipeline.demo.view import FeedStats, render_record, shorten
from pipeline.settings import Settings
from schemas import Interaction

PHONE = "06-12345678"
EMAIL = "jan.jansen@example.nl"


def interaction(content: str, *, needs_review: bool = False, confidence: float = 0.83) -> bytes:
    """A feed message as the worker publishes it (checked against the Interaction model)."""
    now = datetime(2025, 3, 14, 9, 30, tzinfo=UTC).isoformat()
    value = orjson.dumps(
        {
            "id": "0" * 8 + "-0000-5000-8000-" + "0" * 12,
            "channel": "phone",
            "source": "cti",
            "occurred_at": now,
            "received_at": now,
            "content": content,
            "party": "k1:" + "a" * 32,
            "tags": {
                "perspective": "buurten",
                "citizen_role": "initiatiefnemer",
                "municipality_role": "faciliteren",
                "confidence": confidence,
                "needs_review": needs_review,
                "tagger_version": "test",
            },
        }
    )
    Interaction.model_validate_json(value)
    return value


def test_interaction_line_shows_channel_the_three_tags_and_confidence() -> None:
    """The feed line names the channel, perspective, both roles and the confidence."""
    line = render_record("interactions", interaction("Buurtfeest in het park"), {}).plain
    for expected in ("phone", "buurten", "initiatiefnemer", "faciliteren", "0.83", "Buurtfeest"):
        assert expected in line
    assert "review" not in line


def test_needs_review_is_marked() -> None:
    """An interaction that needs review carries the review marker."""
    line = render_record("interactions", interaction("Iets", needs_review=True), {}).plain
    assert "review" in line


def test_no_identifier_or_pseudonym_in_the_rendered_line() -> None:
    """Identifiers left in content are masked again, and the party pseudonym is never shown."""
    value = interaction(f"Bel terug op {PHONE} of mail {EMAIL}")
    line = render_record("interactions", value, {}).plain
    assert PHONE not in line and EMAIL not in line and "12345678" not in line
    assert "[TELEFOON]" in line
    assert "k1:" not in line


def test_long_text_is_shortened_to_one_line() -> None:
    """Long or multi-line text becomes one line with an ellipsis."""
    short = shorten("regel een\nregel twee " * 20, width=40)
    assert len(short) == 40 and short.endswith("…") and "\n" not in short


def test_dead_letter_shows_its_headers_but_not_the_original_bytes() -> None:
    """Stage, error class, reason and origin come from the headers; the payload stays hidden."""
    headers = {
        "samenspel_stage": b"parse",
        "samenspel_error_class": b"InvalidJson",
        "samenspel_error_message": b"not valid JSON: line 1",
        "samenspel_original_topic": b"samenspel.raw.web",
    }
    line = render_record("deadletter", f'{{"party": "{PHONE}"'.encode(), headers).plain
    for expected in ("parse", "InvalidJson", "not valid JSON", "samenspel.raw.web"):
        assert expected in line
    assert PHONE not in line


def test_other_topics_are_json_with_identifiers_masked() -> None:
    """A raw event is shown as JSON; its identifiers are masked."""
    raw = orjson.dumps({"id": "e1", "text": f"Mail {EMAIL}", "party": PHONE})
    line = render_record("raw.web", raw, {}).plain
    assert '"id":"e1"' in line
    assert EMAIL not in line and PHONE not in line


def test_feed_stats_rates_cover_the_window_only() -> None:
    """Rates count interactions of the last window; totals count everything."""
    stats = FeedStats(window_s=10)
    for second in range(20):
        stats.interaction("web", float(second))
    stats.interaction("phone", 19.5)
    assert stats.rates(20.0) == {"web": 1.0, "phone": 0.1}
    assert stats.totals == {"web": 20, "phone": 1}
    assert "web 1.0/s (20)" in stats.progress(20.0, ["web", "phone"]).plain


def test_topic_names_short_and_full() -> None:
    """A short name gets the prefix, a full name is kept, and the short name is recovered."""
    settings = Settings(topic_prefix="demo1")
    assert resolve_topic(settings, "raw.phone") == "demo1.raw.phone"
    assert resolve_topic(settings, "demo1.deadletter") == "demo1.deadletter"
    assert short_name(settings, "demo1.interactions") == "interactions"
