"""Dutch text handling: accents, hashtags, mentions, placeholders, compounds, English."""

from __future__ import annotations

import unicodedata

from pipeline.tagging import Tagger
from pipeline.tagging.text import Stemmer, strip_diacritics, tokenise


def test_diacritics_are_removed() -> None:
    """Accented letters match their plain form."""
    assert tokenise("Één café, geïnteresseerd") == ["een", "cafe", "geinteresseerd"]


def test_hashtags_split_and_mentions_dropped() -> None:
    """#OnzeWijk becomes two words, #buurtbudget one, and @mentions disappear."""
    words = tokenise("@gemeente@social.nl dank! #OnzeWijk #buurtbudget @jan")
    assert words == ["dank", "onze", "wijk", "buurtbudget"]


def test_placeholders_stay_one_token() -> None:
    """Identifier placeholders survive as a single readable token."""
    assert tokenise("Mijn [BSN] en [E-MAIL]") == ["mijn", "[bsn]", "en", "[email]"]


def test_stemmer_caches() -> None:
    """Stemming the same word twice gives the same stem from the cache."""
    stemmer = Stemmer()
    assert stemmer.stem("vergunningen") == stemmer.stem("vergunning")
    assert "vergunningen" in stemmer._cache


def test_compound_matches_parts(tagger: Tagger) -> None:
    """A compound not in the lexicon matches through a known head or tail, reported as a part."""
    analysis = tagger.analyse("De afvalcontainerpost is kapot", channel="web")
    matched = [hit.matched for hit in analysis.hits]
    assert any(m.startswith("afvalcontainerpost (afval") for m in matched)


def test_short_stems_do_not_match_inside_words(tagger: Tagger) -> None:
    """A stem shorter than four letters never matches inside a longer word."""
    for hit in tagger.analyse("Hoe staat het met de dakgoot", channel="web").hits:
        assert "(" not in hit.matched or len(hit.matched.split("(")[1].strip("-)")) >= 4


def test_compound_exceptions_are_not_split(tagger: Tagger) -> None:
    """Words listed as compound exceptions (stemming is not 'stem' + 'ming') are not split."""
    hits = tagger.analyse("De stemming was goed", channel="social").hits
    assert not any(h.matched.startswith("stemming (") for h in hits)


def test_hashtag_counts_as_words(tagger: Tagger) -> None:
    """A camel-case hashtag contributes its words to the tags."""
    tags = tagger.tag("Kom allemaal naar het #BuurtFeest op zaterdag!", channel="social")
    assert tags.perspective == "buurten"


def test_english_words_match(tagger: Tagger) -> None:
    """Messages in English from international residents are tagged through English entries."""
    tags = tagger.tag(
        "My passport expired, how do I make an appointment to renew it?", channel="web"
    )
    assert tags.perspective == "burgers_en_bedrijven"
    assert tags.citizen_role == "klant"
    assert any("'passport'" in r for r in tags.reasons)


def test_strip_diacritics_drops_exactly_the_combining_marks_of_the_bmp() -> None:
    """The pattern removes what filtering unicodedata.combining removes, for every BMP char."""
    for start in range(0x80, 0x10000, 512):
        text = "".join(chr(c) for c in range(start, start + 512) if not 0xD800 <= c < 0xE000)
        decomposed = unicodedata.normalize("NFKD", text)
        expected = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        assert strip_diacritics(text) == expected
