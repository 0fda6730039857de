"""Examples of what masking removes, what it keeps, and the shape of its result."""

from __future__ import annotations

import pytest

from pipeline.privacy import mask_text, mask_value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mijn BSN is 123456782.", "Mijn BSN is [BSN]."),
        ("bsn: 12345672", "bsn: [BSN]"),
        ("Bel 06-12345678 terug", "Bel [TELEFOON] terug"),
        ("UK: +44 20 7946 0958", "UK: [TELEFOON]"),
        ("Mail Jan.Jansen+wmo@Sub.Example.NL nu", "Mail [E-MAIL] nu"),
        ("IBAN NL91 ABNA 0417 1643 00 graag", "IBAN [IBAN] graag"),
        ("Woont op Burg. de Withstraat 4 sinds mei", "Woont op [ADRES] sinds mei"),
        ("Adres: Laan van Meerdervoort 1000, 2517 AB Den Haag.", "Adres: [ADRES]."),
        ("Overlast rond 1234 AB", "Overlast rond 1234"),
        ("bel mij op 06-00000013 (typo?)", "bel mij op [TELEFOON] (typo?)"),
        ("tel. +31 6 00000000", "tel. [TELEFOON]"),
        ("vast nummer 020 000 0000", "vast nummer [TELEFOON]"),
        ("kenmerk 0612345678", "kenmerk [TELEFOON]"),
    ],
)
def test_examples(text: str, expected: str) -> None:
    """Each identifier kind becomes its placeholder, a postcode its four digits; a number written
    as a phone number goes even when no operator has it (a typo still identifies its writer)."""
    assert mask_text(text).text == expected


@pytest.mark.parametrize(
    "text",
    [
        "de lantaarnpaal in de Kerkstraat is kapot",
        "afspraak om 14:30 of 9.00 uur op 12-03-2024",
        "zaak Z-2024-001234, kenmerk 123456, factuur 123456782",
        "het getal 123456789 haalt de elfproef niet",
        "kenteken VZ-123-B, bouwjaar 1965, € 1.234,56",
        "de vergadering 12 maart en het fietspad 3 weken dicht",
        "factuur 0123456789 en dossier 0987654321 nog open",
    ],
)
def test_harmless_text_unchanged(text: str) -> None:
    """Street names without number, dates, times, amounts and case numbers stay (also a ten-digit
    number after a label of another kind of number, unless it is a real phone number)."""
    result = mask_text(text)
    assert result.text == text
    assert not result.found


def test_counts_and_postcode4() -> None:
    """The result counts each kind and reports the first postcode's four digits."""
    result = mask_text("Kerkstraat 12, 3581 KL Utrecht; bel 06-12345678 of 010-1234567; 1012 AB")
    assert dict(result.found) == {"phone": 2, "address": 1, "postcode": 1}
    assert result.postcode4 == "3581"
    assert "1012" in result.text


def test_mask_value_recurses_into_metadata() -> None:
    """Strings nested in dicts and lists are masked; keys, numbers and booleans are not."""
    value = {"bsn": "123456782", "notes": ["bel 06-12345678", {"n": 3, "ok": True}], "x": None}
    assert mask_value(value) == {
        "bsn": "[BSN]",
        "notes": ["bel [TELEFOON]", {"n": 3, "ok": True}],
        "x": None,
    }
