"""Confidence and the needs_review flag."""

from __future__ import annotations

import pytest

from pipeline.errors import SamenspelError
from pipeline.tagging import Tagger


@pytest.mark.parametrize("threshold", [0.0, 0.4, 0.9, 1.0])
def test_needs_review_follows_threshold(threshold: float) -> None:
    """needs_review is exactly confidence < threshold."""
    tagger = Tagger.load(review_threshold=threshold)
    for text in ["Hoe vraag ik een paspoort aan?", "Hallo", "Wat vinden jullie hiervan?"]:
        tags = tagger.tag(text, channel="web")
        assert tags.needs_review == (tags.confidence < threshold)


def test_vague_message_is_less_certain(tagger: Tagger) -> None:
    """A message without clues is tagged with less confidence than a clear one."""
    vague = tagger.tag("Wat vinden jullie hiervan?", channel="email")
    clear = tagger.tag("Ik wil een afspraak maken om mijn paspoort te verlengen.", channel="phone")
    assert vague.confidence < clear.confidence
    assert vague.needs_review


@pytest.mark.parametrize("text", ["", "🙂🙂", "...", "  !? "])
def test_message_without_words_needs_review(tagger: Tagger, text: str) -> None:
    """Nothing to judge but the channel: flagged whatever the confidence of the prior."""
    tags = tagger.tag(text, channel="web")
    assert tags.needs_review
    assert not Tagger.load(review_threshold=0.0).tag("ok", channel="web").needs_review


def test_threshold_out_of_range() -> None:
    """A threshold outside [0, 1] is refused."""
    with pytest.raises(SamenspelError, match="review threshold"):
        Tagger.load(review_threshold=1.5)
