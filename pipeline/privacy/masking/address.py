"""Street addresses (street, house number, then perhaps postcode and city) become ``[ADRES]``.

A street is known by its last word (a Dutch street suffix: "Kerkstraat", "Oude Gracht"), by a
"Laan van ..." form, or, for a street without a street word ("Rokin 75"), by its company: a
postcode after the house number or an address cue ("Adres:", "woont aan") before it. The search
starts only where a space is followed by a digit, the possible start of a house number, and
walks back from there; ordinary nouns, counts, dates and postal addresses of organisations
("Postbus 123") stay.
"""

from __future__ import annotations

import re

from pipeline.privacy.masking.postcode import is_postcode
from pipeline.privacy.masking.scan import ADDRESS, Scan

_SUFFIXES = (
    "straat|laan|weg|plein|gracht|kade|singel|dijk|pad|hof|steeg|dreef|markt|park|ring|baan"
    "|allee|wal|haven|veld|erf|hoek|plantsoen|boulevard|promenade|burgwal|dam|kanaal|vliet"
    "|poort|oord|werf|brink|wetering|zoom|hout|gaarde|kamp|dal|berg|donk|akker|weide|hoeve"
    "|passage|kwartier|pier|lei|drift|baan|stede|stee|schans|plaats"
    "|str"  # the abbreviation: "Kerkstr. 12", "Dorpsstr 3"
)
_SUFFIX_WORDS = frozenset(_SUFFIXES.split("|"))
_SUFFIX_TUPLE = tuple(_SUFFIX_WORDS)
_SPACE_DIGIT = re.compile(r" \d")
_ANY_SPACE_DIGIT = re.compile(r"[ \u00a0]\d")  # slower: only for text that is not ASCII
_SUFFIXES_BY_ENDING: dict[str, tuple[str, ...]] = {}
for _suffix in sorted(_SUFFIX_WORDS):
    _SUFFIXES_BY_ENDING[_suffix[-2:]] = (*_SUFFIXES_BY_ENDING.get(_suffix[-2:], ()), _suffix)
_SUFFIX_ENDINGS = frozenset(_SUFFIXES_BY_ENDING)
_LAAN_HINT = re.compile(
    r"(?:Laan|Weg|Plein|Kade|Singel|Dijk|Straat|Park|Hof|Dreef|Gracht|Burgwal|Ring)\s+[vdt]"
)
_L = r"[^\W\d_]"
_CAP = r"[A-ZÀ-ÖØ-Þ]"
_PART = r"(?:van|der|den|de|het|'t|ter|ten|te|op|in|aan|bij|la|le|du|v\.d\.|v\.)"
_NAME_PART = r"(?:van|der|den|de|het|'t|ter|ten|la|le|du|v\.d\.|v\.)"
# Words that announce an address rather than belong to it: a capital at the start of a sentence
# ("In de Kerkstraat 2 ...") or a label ("Woonadres Dorpsstraat 3") is not part of the name.
_CUE_WORDS = r"(?:woont|wonen|wonende|woonachtig|verhuisd|verhuist|lives|living|moved)"
_NON_NAME_WORDS = (
    r"(?:(?i:in|op|aan|bij|naar|via|naast|tegenover|langs|nabij|vanaf|richting|near|at|on|to"
    rf"|from|{_CUE_WORDS})\b|{_L}*(?i:adres|address)\b)"
)
_NON_NAME = re.compile(_NON_NAME_WORDS)
_NOT_NAME = rf"(?!{_NON_NAME_WORDS})"
_LEFT = rf"(?={_CAP}){_NOT_NAME}(?:(?:{_CAP}\.)+|{_CAP}{_L}*\.?)\s+(?:{_NAME_PART}\s+)*"
# Capitalised words and name particles right before a street word ("Burg. de", "Van", "Oude"),
# perhaps after an ordinal ("1e Jan Steenstraat", "2e Hugo de Grootstraat").
_LEFT_WORDS = re.compile(
    rf"(?<![\w.'-])(?:(?=\d)\d{{1,2}}(?:e|ste|de)\s+(?:{_LEFT}){{0,3}}|(?:{_LEFT}){{1,3}})$"
)
# A street name without a street word ("Rokin", "Neude") is an address after such a cue.
_ADDRESS_CUE = re.compile(
    rf"(?i)(?:adres|address|{_CUE_WORDS})(?:\s+is)?[\s:,-]*"
    r"(?:(?:op|aan|in|naar|te|at|on|to)\s+)?(?:(?:de|het|the)\s+)?$"
)
_PO_BOX_WORDS = frozenset({"postbus", "antwoordnummer"})  # organisations' postal addresses
_ORDINAL = re.compile(r"\d+e")
_NAME_WORD = re.compile(rf"{_CAP}{_L}*(?:['-]{_L}+)*")
_NUMBER_WORDS = frozenset(
    form
    for word in ("nr", "nr.", "nr:", "no", "no.", "nummer", "huisnummer", "number")
    for form in (word, word.capitalize(), word.upper())
)
_LAAN_VAN = re.compile(
    r"(?<![\w.'-])(?:Laan|Weg|Plein|Kade|Singel|Dijk|Straat|Park|Hof|Dreef|Gracht|Burgwal|Ring)"
    rf"(?:\s+{_PART})+\s+{_CAP}[\w'.-]*(?:\s+{_CAP}[\w'.-]*)?$"
)
# Additions: "12a", "12-bis", "12 hs", "12-2", "12-III", "12 III", "12 b"; then a floor "2 hoog".
_HOUSE_NUMBER = (
    r"(?P<num>(?>[1-9]\d{0,4}(?!\d)"
    r"(?:[ -]?(?:bis|hs|huis|bg|boven|beneden)\b|-\d{1,4}\b|-[A-Za-z]{1,3}\b"
    r"|[A-Za-z](?![\w])|[ ](?:(?!x)[A-Za-z]|III?|IV)(?![\w']))?"
    r"(?:[ -](?:\d{1,2}(?:e|ste|de)?[ -]?)?(?:hoog|hg)\b)?))"
)
_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
# A count after a street name is no house number: units of time and measure (Dutch and English),
# things counted in a street, and any plural in "'s" ("3 kliko's", "2 auto's"); nor the day of
# a date, nor the start of a code ("58a4d19e-...").
_NOT_AFTER = (
    r"(?!\w|[.,:-]\d|/\d\d?/\d|\s*(?:%|x\b|(?i:keer|weken|week|dagen|dag|jaar|jaren|uur"
    r"|minuten|min|meter|m|km|kilometer|cm|mm|kg|euro|eur|straten|huizen|woningen|auto's|auto"
    r"|fietsen|bomen|kinderen|mensen|personen|bewoners|stuks|maal|maanden|maand|lantaarnpalen"
    r"|seconden"
    r"|containers|bakken|zakken|palen|bussen|plekken|plaatsen|fietsers|voetgangers|meldingen"
    r"|seconds|minutes|mins|hours|days|weeks|months|years|times|people|cars|houses|trees|bins"
    rf"|children|kids|metres|meters|miles|{_MONTHS}|[^\W\d_]+'s)\b))"
)
_CITY = (
    rf"(?:'s-{_CAP}{_L}+|(?:Den|De|Sint|Nieuw|Oud|Oude|Groot|Hoog|Zuid|Noord|Oost|West)"
    rf"\s{_CAP}{_L}+|{_CAP}{_L}+(?:-{_L}+)*)"
)
# What follows a street name: house number (with addition), then optionally postcode and city.
_ADDRESS_TAIL = re.compile(
    rf"\s+{_HOUSE_NUMBER}{_NOT_AFTER}"
    rf"(?:,?\s+(?P<pc4>[1-9]\d{{3}})(?P<pcs>\s?)(?P<pcl>[A-Za-z]{{2}})\b(?:,?\s+{_CITY})?)?"
)
# Lower-case nouns that end in a street suffix and are often followed by a count.
_COMMON_NOUNS = frozenset(
    {
        "supermarkt", "weekmarkt", "woningmarkt", "arbeidsmarkt", "huizenmarkt", "jaarmarkt",
        "speelveld", "voetbalveld", "sportveld", "grasveld", "trapveld", "fietspad", "voetpad",
        "wandelpad", "ruiterpad", "zebrapad", "snelweg", "autoweg", "zijweg", "uitweg", "omweg",
        "rijbaan", "fietsbaan", "busbaan", "loopbaan", "ijsbaan", "tennisbaan", "sportpark",
        "pretpark", "wagenpark", "kerkhof", "gerechtshof", "schoolplein", "speelplein",
        "zijstraat", "oprijlaan", "jachthaven", "straathoek", "achtererf", "bederf", "kring",
        "buurtkring", "dierentuin", "hout", "berg", "dal", "kamp", "zoom", "werf", "poort",
        "parkeerplaats", "werkplaats", "woonplaats", "standplaats", "bouwplaats", "zitplaats",
        "speelplaats", "staanplaats", "ligplaats", "laadplaats", "opslagplaats",
    }
)  # fmt: skip


def _is_street_word(word: str, number: str) -> bool:
    """Reject ordinary nouns that end like a street ("fietspad", "vergadering")."""
    lower = word.lower()
    if lower in _SUFFIX_WORDS:
        return word[0].isupper()
    if lower.endswith(("ering", "kring")):
        return False
    suffix_len = max(len(s) for s in _SUFFIXES_BY_ENDING[lower[-2:]] if lower.endswith(s))
    if len(lower) - suffix_len < 3:
        return False
    if word[0].islower():
        return lower not in _COMMON_NOUNS and len(number) < 4
    return True


def _word_before(text: str, gap: int) -> tuple[int, str]:
    """The word that ends at ``gap`` and where it starts (leading punctuation dropped)."""
    cut = text.rfind(" ", max(0, gap - 40), gap)
    word = text[cut + 1 : gap]
    if "\n" in word or "\t" in word or "(" in word:
        word = word.replace("\t", "\n").replace("(", "\n").rpartition("\n")[2]
    stripped = word.lstrip("\"'([{*-")
    return gap - len(stripped), stripped


def _leading_digits(number: str) -> str:
    end = 0
    while end < len(number) and number[end].isdigit():
        end += 1
    return number[:end]


def _street_start(text: str, word_start: int) -> int:
    """Where the street name that ends in the word at ``word_start`` begins."""
    left = _LEFT_WORDS.search(text, max(0, word_start - 60), word_start)
    return left.start() if left else word_start


def _address_at(text: str, gap: int) -> tuple[int, re.Match[str]] | None:
    """The address whose street name ends at ``gap`` (whitespace before a digit), if any."""
    street_end = gap
    word_start, word = _word_before(text, gap)
    if word in _NUMBER_WORDS and word_start > 0 and text[word_start - 1] == " ":
        street_end = word_start - 1  # "Molenstraat nr. 27", "Prinsengracht nummer 263"
        word_start, word = _word_before(text, street_end)
    if not word or not word[0].isalpha():
        return None
    if word.endswith(".") and word[-4:-1].lower() == "str":
        word = word[:-1]  # "Kerkstr. 12"
    lower = word.lower()
    if lower[-2:] in _SUFFIX_ENDINGS and lower.endswith(_SUFFIX_TUPLE):
        tail = _ADDRESS_TAIL.match(text, gap)
        if tail is not None and _is_street_word(word, _leading_digits(tail.group("num"))):
            return _street_start(text, word_start), tail
    if not word[0].isupper():
        return None
    return _laan_van_at(text, street_end, gap) or _named_street_at(text, word_start, word, gap)


def _laan_van_at(text: str, street_end: int, gap: int) -> tuple[int, re.Match[str]] | None:
    """A street word first, then a name: "Laan van Meerdervoort 1000"."""
    if not _LAAN_HINT.search(text, max(0, street_end - 80), street_end):
        return None
    laan = _LAAN_VAN.search(text, max(0, street_end - 80), street_end)
    tail = _ADDRESS_TAIL.match(text, gap) if laan is not None else None
    return (laan.start(), tail) if laan is not None and tail is not None else None


def _named_street_at(
    text: str, word_start: int, word: str, gap: int
) -> tuple[int, re.Match[str]] | None:
    """A street without a street word ("Rokin 75", "Neude 11") is known by its company: a
    postcode after the house number, or an address cue before it ("Adres:", "woont aan het")."""
    tail = _ADDRESS_TAIL.match(text, gap)
    if tail is None or _ORDINAL.fullmatch(tail.group("num")):
        return None  # "woont in Amsterdam 1e verdieping"
    if word.isupper() and len(word) <= 3:
        return None  # "EUR 450", "GB 12": a unit or code, not a street
    if not _NAME_WORD.fullmatch(word) or _NON_NAME.match(word) or word.lower() in _PO_BOX_WORDS:
        return None
    start = _street_start(text, word_start)
    if tail.group("pc4") and is_postcode(tail.group("pcl"), tail.group("pcs"), ""):
        return start, tail
    if _ADDRESS_CUE.search(text, max(0, start - 40), start):
        return start, tail
    return None


def mask_addresses(text: str, scan: Scan) -> str:
    """Replace street + house number (+ postcode and city) found after cheap anchors."""
    out: list[str] = []
    last = 0
    anchors = _SPACE_DIGIT if text.isascii() else _ANY_SPACE_DIGIT
    for anchor in anchors.finditer(text):
        gap = anchor.start()
        if gap < last:
            continue
        found = _address_at(text, gap)
        if found is None or found[0] < last:
            continue
        start, tail = found
        if tail.group("pc4"):
            scan.saw_postcode(tail.group("pc4"))
        out.append(text[last:start])
        out.append(scan.hit(ADDRESS))
        last = tail.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)
