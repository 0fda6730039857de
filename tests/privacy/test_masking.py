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
    ("text", "expected"),
    [
        ("BSN:123456782", "BSN:[BSN]"),
        ("bsn123456782 op de brief", "bsn[BSN] op de brief"),
        ("BSN-nummer 123-456-782", "BSN-nummer [BSN]"),
        ("burgerservicenummer 12 34 56 782", "burgerservicenummer [BSN]"),
        ("Burgerservicenr. 12345672", "Burgerservicenr. [BSN]"),
        ("tel0612345678 bellen", "tel[TELEFOON] bellen"),
        ("bel 0612345678graag", "bel [TELEFOON]graag"),
        ("bel 06\u201312345678", "bel [TELEFOON]"),
        ("+31\u202f6\u202f1234\u202f5678", "[TELEFOON]"),
        ("Kerkstraat 12 0612345678", "[ADRES] [TELEFOON]"),
        ("wa.me/31612345678", "wa.me/[TELEFOON]"),
        ("?tel=%2B31612345678&mail=jan%40example.nl", "?tel=%2B[TELEFOON]&mail=[E-MAIL]"),
        ("Handy 0151 23456789", "Handy [TELEFOON]"),
        ("mail: rené.dejong@kpnmail.nl", "mail: [E-MAIL]"),
        ("info(at)buurt-oost.nl of jan [at] x [dot] nl", "[E-MAIL] of [E-MAIL]"),
        ("mail jan.jansen @ gmail.com", "mail [E-MAIL]"),
        ("IBAN NL91.ABNA.0417.1643.00", "IBAN [IBAN]"),
        ("IBAN NL 91 ABNA 0417 1643 00", "IBAN [IBAN]"),
        ("stap 2 NL91ABNA0417164300", "stap 2 [IBAN]"),
        ("Adres: Kerkstr. 14a", "Adres: [ADRES]"),
        ("woont in de Molenstraat nr. 27", "woont in de [ADRES]"),
        ("Adres: Rokin 75, 1012 KK Amsterdam.", "Adres: [ADRES]."),
        ("woont op de Neude 11 in Utrecht", "woont op de [ADRES] in Utrecht"),
        ("Woonadres 1e Jan Steenstraat 22 III", "Woonadres [ADRES]"),
        ("pc+hnr 3511AB12", "pc+hnr [ADRES]"),
        ("Postcode 1000 MG", "Postcode 1000"),
    ],
)
def test_spellings_found_in_review(text: str, expected: str) -> None:
    """Labels glued to numbers, typographic separators, dates next to phone numbers, obfuscated
    e-mail addresses, dotted IBANs, abbreviated streets and streets without a street word."""
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
        "afspraak 01-02-2024 10:15, gebeld 03/04/2024 08:45",
        "1000 mg paracetamol, 1500 ha natuur, 5000 Hz, 2000 st",
        "RSIN 820646660 van de stichting",
        "In de Dorpsstraat 3 containers en 2 kliko's; near the Vondelpark 5 minutes ago",
        "request_id=3f2a0612-3456-78ab-cdef-0123456789ab status=500",
        "UWV 088 - 898 92 94, Postbus 16200",
    ],
)
def test_harmless_text_unchanged(text: str) -> None:
    """Street names without number, dates, times, amounts and case numbers stay (also a ten-digit
    number after a label of another kind of number, unless it is a real phone number), and so do a
    date with a time, units, an organisation's RSIN, counts after a street name, a UUID and the
    numbers of organisations."""
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


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("+31 6 1234 5678 123456782", "[TELEFOON] [BSN]"),
        ("06 1234 5678 123456782", "[TELEFOON] [BSN]"),
        ("+31 6 1234 5678 12345", "[TELEFOON] 12345"),
        ("tel 020 123 4567 2024", "tel [TELEFOON] 2024"),
        ("123456782 123456782", "[BSN] [BSN]"),
        ("0800 1234 5678 999", "0800 1234 5678 999"),
        ("kenmerk 123456782 12", "kenmerk 123456782 12"),
    ],
)
def test_an_identifier_written_before_another_number_still_goes(text: str, masked: str) -> None:
    """A phone number or BSN followed by a space and more digits (found by the chain's property
    test): the run of digits is not one number, its valid head is."""
    assert mask_text(text).text == masked
