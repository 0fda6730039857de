"""The worked examples of taxonomy.md, and what the tags carry besides labels."""

from __future__ import annotations

import pytest

from pipeline.tagging import Tagger

WORKED = [
    (
        "phone",
        "Beller vraagt hoe ze een kopie van haar huwelijksakte kan krijgen.",
        "burgers_en_bedrijven",
        "klant",
        "leveren",
    ),
    (
        "web",
        "Melding: de prullenbak bij het speeltuintje zit al dagen vol.",
        "burgers_en_bedrijven",
        "gebruiker",
        "leveren",
    ),
    (
        "counter",
        "Inwoner betaalt de openstaande aanslag rioolheffing aan de balie.",
        "burgers_en_bedrijven",
        "belastingbetaler",
        "leveren",
    ),
    (
        "neighbourhood",
        "We willen een buitenbioscoop op ons pleintje organiseren. Kan de gemeente "
        "helpen met stroom en een vergunning?",
        "buurten",
        "initiatiefnemer",
        "faciliteren",
    ),
    (
        "web",
        "Bewoners kunnen op een online kaart aangeven waar nieuwe bomen in de wijk moeten komen.",
        "buurten",
        "deelnemer",
        "regisseren",
    ),
    (
        "social",
        "Als omwonenden maken wij ons grote zorgen over de geplande snelweg-afrit vlak bij "
        "onze huizen.",
        "belanghebbenden",
        "belanghebbende",
        "informeren",
    ),
    (
        "social",
        "Volgens het nieuws is het drinkwater in onze wijk verontreinigd. Moeten we het "
        "water koken?",
        "belanghebbenden",
        "getroffene",
        "informeren",
    ),
    (
        "web",
        "Ik wil een klacht indienen: de handhaver gaf mij een boete zonder naar mijn uitleg "
        "te luisteren.",
        "bestuur_en_organisatie",
        "klant",
        "leveren",
    ),
    (
        "social",
        "Is het waar dat de wethouder zaken deed met zijn eigen bedrijf? Wij willen opheldering.",
        "bestuur_en_organisatie",
        "kiezer",
        "informeren",
    ),
]


@pytest.mark.parametrize(("channel", "text", "perspective", "citizen", "municipality"), WORKED)
def test_worked_example(
    tagger: Tagger, channel: str, text: str, perspective: str, citizen: str, municipality: str
) -> None:
    """Each worked example of the taxonomy gets its three documented labels."""
    tags = tagger.tag(text, channel=channel)
    assert (tags.perspective, tags.citizen_role, tags.municipality_role) == (
        perspective,
        citizen,
        municipality,
    )


def test_reasons_name_rules_and_words(tagger: Tagger) -> None:
    """Reasons say which rule fired on which word, and stay within the schema's limits."""
    tags = tagger.tag(
        "Melding: de prullenbak bij het speeltuintje zit al dagen vol.", channel="web"
    )
    joined = "\n".join(tags.reasons)
    assert "rule 'openbare_ruimte'" in joined
    assert "'prullenbak'" in joined
    assert "channel prior 'web'" in joined
    assert 0 < len(tags.reasons) <= 20
    assert all(len(r) <= 300 for r in tags.reasons)


def test_tags_validate_against_schema(tagger: Tagger) -> None:
    """The returned Tags passes the strict schema: a round trip through JSON keeps it equal."""
    tags = tagger.tag("Hoe vraag ik een nieuw paspoort aan?", channel="phone")
    again = type(tags).model_validate_json(tags.model_dump_json())
    assert again == tags
    assert 0.0 <= tags.confidence <= 1.0
    assert tags.tagger_version.startswith(f"rules-{tagger.rules.version}+model-")


def test_unknown_channel_is_a_clear_error(tagger: Tagger) -> None:
    """A channel outside the enum is refused with a message naming it."""
    from pipeline.errors import SamenspelError

    with pytest.raises(SamenspelError, match="unknown channel 'fax'"):
        tagger.tag("Hallo", channel="fax")


def test_subject_is_used(tagger: Tagger) -> None:
    """Words in the subject count: a bare text gets its label from the subject."""
    tags = tagger.tag("Graag een reactie.", channel="email", subject="Aanslag rioolheffing")
    assert tags.citizen_role == "belastingbetaler"
