"""Detect citizen identifiers in free text and replace them with typed placeholders.

The interaction feed must never carry a BSN, phone number, e-mail address, IBAN or street
address, yet the rest of the text is what makes an interaction useful. So identifiers are
replaced in place by ``[BSN]``, ``[TELEFOON]``, ``[E-MAIL]``, ``[IBAN]`` and ``[ADRES]``, and
a six-character postcode is cut to its four digits (coarse enough to be kept, see
docs/privacy.md). Every detector validates what it finds (11-test, IBAN check digits,
``phonenumbers`` validity) so that amounts, dates, times and case numbers stay.

Speed matters (the feed runs at tens of thousands of messages per second per core), so each
detector sits behind a cheap precompiled pre-check and the expensive validators only run on
candidates.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

import phonenumbers
from pydantic import JsonValue
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

BSN = "bsn"
PHONE = "phone"
EMAIL = "email"
IBAN = "iban"
ADDRESS = "address"
POSTCODE = "postcode"

PLACEHOLDERS: Mapping[str, str] = MappingProxyType(
    {
        BSN: "[BSN]",
        PHONE: "[TELEFOON]",
        EMAIL: "[E-MAIL]",
        IBAN: "[IBAN]",
        ADDRESS: "[ADRES]",
    }
)

_EMPTY: Mapping[str, int] = MappingProxyType({})


class MaskResult(NamedTuple):
    """Masked text, how many identifiers of each kind were removed, and the first postcode4.

    A named tuple: immutable like a frozen dataclass and cheaper to build, once or twice per event.
    """

    text: str
    found: Mapping[str, int]
    postcode4: str | None = None

    @property
    def changed(self) -> bool:
        """True when anything was masked (a postcode cut to four digits counts too)."""
        return bool(self.found)


class _Scan:
    """Counts and the first postcode4 of one ``mask_text`` call."""

    __slots__ = ("found", "postcode4")

    def __init__(self) -> None:
        self.found: dict[str, int] = {}
        self.postcode4: str | None = None

    def hit(self, kind: str) -> str:
        self.found[kind] = self.found.get(kind, 0) + 1
        return PLACEHOLDERS[kind]

    def saw_postcode(self, digits: str) -> None:
        if self.postcode4 is None:
            self.postcode4 = digits


# --- separators ---------------------------------------------------------------------------------

# Text copied from PDFs, e-mail signatures and web forms carries no-break and thin spaces and
# typographic dashes inside numbers ("06\u201312345678"); they separate digit groups as " " and
# "-" do.
_SPACES = " \u00a0\u2007\u2009\u202f"
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212-"
_SEP = _SPACES + _DASHES  # for character classes: the ASCII hyphen comes last
_TO_ASCII = str.maketrans(dict.fromkeys(_SPACES[1:], " ") | dict.fromkeys(_DASHES[:-1], "-"))
_SEP_CHARS = frozenset(_SEP)


def _ascii_separators(text: str) -> str:
    """``text`` with typographic spaces and dashes as " " and "-", one character for one."""
    return text if text.isascii() else text.translate(_TO_ASCII)


# --- pre-checks -------------------------------------------------------------------------------

# A run of digits with separators: phone numbers, BSNs and IBAN account parts all contain one
# with at least eight digits (six for the IBAN window test); most texts have none.
_LONG_RUN = re.compile(rf"\d[\d.()/{_SEP}]{{6,}}\d")
_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = "0123456789"
_IBAN_HEAD = re.compile(rf"(?<!\w)(?:[A-Za-z]{{2}}|[A-Z]{{2}}[{_SPACES}])\d{{2}}")
_IBAN_LOOKBACK = 12
_NON_BOUNDARY = frozenset("_+.,/:-")

# --- e-mail (optionally a fediverse handle "@user@host") ---------------------------------------

# Letters of any script ("rené@", "@müller.de"), an apostrophe inside ("o'connor@"), a space
# around "@" (as typed into forms), "@@", "%40" (URLs in logs) and the "(at)" / "[dot]" spellings
# that websites use against spam.
_AT = r"(?:[ ]?@@?[ ]?|%40|[ ]?[(\[{](?i:at)[)\]}][ ]?)"
_DOT = r"(?:\.|[ ]?[(\[{](?i:dot|punt)[)\]}][ ]?)"
_EMAIL = re.compile(
    rf"(?<![\w%+.-])@?[\w%+-]+(?:['.][\w%+-]+)*"
    rf"{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,24}}\b"
)
# Where an address can be: the pattern is only tried around "@", "%40" and "(at)" (a local part
# has at most 64 characters, a domain at most 255), not from every word of the text.
_AT_SIGNS = ("@", "%40")
_LOCAL_MAX = 66
_LOCAL_CHARS = frozenset("_%+-.'")
_DOMAIN_MAX = 260

# --- IBAN ---------------------------------------------------------------------------------------

# Grouped with spaces, dots or dashes, and "NL 91 ABNA ..." with a space after the country code
# (then only in capitals: "op 12 ..." is no IBAN).
_IBAN = re.compile(
    rf"(?<!\w)[A-Za-z]{{2}}[{_SPACES}]?\d{{2}}(?:[.{_SEP}]?[A-Za-z0-9]{{1,4}}){{3,8}}\b"
)
_IBAN_STRIP = str.maketrans("", "", "." + _SEP)
_IBAN_GROUP = re.compile(r"[A-Za-z0-9]+")
# ISO 7064 writes a letter as its base-36 value ("A" -> "10"); digits stay as they are.
_BASE36 = str.maketrans({letter: str(int(letter, 36)) for letter in string.ascii_uppercase})

# --- phone --------------------------------------------------------------------------------------

# A phone number written for humans starts with "+", "00" or a trunk "0" (optionally in
# parentheses). Requiring that keeps 9-digit BSN-like, case and invoice numbers away from
# phonenumbers, which would accept e.g. "201234567" as a Dutch number without its trunk prefix.
# A Dutch mobile in E.164 without its "+" ("31612345678", as in wa.me links and CRM exports) is
# the one form without such a start. A letter may touch the number ("tel0612345678"); a digit,
# a separator and a digit (a longer number, or a time after a date: "01-02-2024 10:15") or a
# percent sign may not.
_PHONE_END = rf"(?![\d_/{_DASHES}]|[.,:]\d|\s?%)"
_PHONE = re.compile(rf"(?:\+[ ]?|\(?0)[\d()][\d()./{_SEP}]{{6,22}}\d{_PHONE_END}")
_E164_WITHOUT_PLUS = "316"
_E164_BARE = re.compile(rf"(?<![\d+]){_E164_WITHOUT_PLUS}\d{{8}}{_PHONE_END}")
_NUMBER_GOES_ON = re.compile(r"[.,:]\d|\s?%")  # as _PHONE_END: "08708609 20.37" is no number
# A date at the start of a candidate ("03-04-2024 09:15", "01-02-2024 0612345678") is a date.
_DATE_START = re.compile(
    rf"(?:0?[1-9]|[12]\d|3[01])([./{_DASHES}])(?:0?[1-9]|1[0-2])\1(?:19|20)\d\d(?!\d)"
)
_PHONE_NON_BOUNDARY = frozenset("_+/,-")
_E164_NON_BOUNDARY = frozenset("_+,-")  # "wa.me/31612345678"
_HEX_LETTERS = frozenset("abcdefABCDEF")
_URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_NON_DIGIT = re.compile(r"\D")
_MIN_PHONE_DIGITS = 8
_SERVICE_PREFIXES = ("800", "900", "906", "909", "88")
# A number in the national format of a country whose mobiles do not look Dutch ("0151 23456789",
# "07911 123456", "0532 123 45 67"): Belgian and Moroccan mobiles already look like Dutch ones.
_TRUNK_REGIONS = ("DE", "GB", "TR")
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)

# --- BSN ----------------------------------------------------------------------------------------

_BSN = re.compile(
    rf"\d(?:\d{{8}}|\d{{3}}([.{_SEP}])\d{{2}}\1\d{{3}}|\d{{2}}([.{_SEP}])\d{{3}}\2\d{{3}}"
    rf"|\d([.{_SPACES}])\d{{3}}\3\d{{2}}\3\d{{2}}|\d{{7}}[{_DASHES}]\d)"
    rf"(?![\w:]|[.,/{_SEP}]\d)"
)
# Right after a BSN label, nine digits in any grouping ("87 77 08 952", "bsn123456782") and eight
# digits (a BSN that lost its leading zero) in the usual groupings; an 8-digit date is not one.
_BSN_LABELLED = re.compile(
    r"(?i)(?:bsn|burger\s?service\s?n(?:umme)?r|sofi-?nummer)[^\d\n]{0,20}?(?<![\d.,/])(?<!\d-)"
    rf"(\d(?:[.{_SEP}]?\d){{8}}|\d{{8}}|\d{{4}}[.{_SPACES}]\d{{4}}"
    rf"|\d{{3}}[.{_SPACES}]\d{{2}}[.{_SPACES}]\d{{3}})"
    rf"(?![.{_SEP}]?\d|[,/]\d)"
)
_BSN_LABELS = ("bsn", "burgerservice", "burger service", "sofi")
_OTHER_NUMBER_LABEL = re.compile(
    r"(?i)(?:factuur|kenmerk|zaak|dossier|order|referentie|\bref\b|klantnummer|debiteur|polis"
    r"|contract|ticket|melding|aanvraag|registratie|relatienummer|volgnummer|invoice|case|rsin"
    r"|kvk)"
)
_CONTEXT_CHARS = 30

# --- street address -----------------------------------------------------------------------------

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

# --- postcode -----------------------------------------------------------------------------------

# Written with the house number straight after it ("1234AB12", as in forms) it is an address;
# in lower case, or with a dash after it, that is more likely part of a hex code ("1557fc60-").
_POSTCODE = re.compile(
    r"([1-9]\d{3})([ \u00a0]?)([A-Za-z]{2})(?:\b|(?<=[A-Z]{2})([1-9]\d{0,4}[A-Za-z]?)(?![\w-]))"
)
# Never postcode letters (SA, SD, SS), or units written in capitals as often as not.
_NOT_POSTCODE_LETTERS = frozenset(
    {"sa", "sd", "ss", "mb", "gb", "kb", "tb", "km", "cm", "mm", "kg", "pk", "kw", "mw", "gw",
     "ml", "cc"}
)  # fmt: skip
# Units that are written in lower or mixed case ("1000 mg", "1500 ha", "5000 Hz"); in capitals,
# or after the word "postcode", the same letters are a postcode.
_UNIT_LETTERS = frozenset({"mg", "ha", "st", "hz", "db", "dl", "cl", "ms"})
_POSTCODE_LABEL_CHARS = 16
_SPACED_STOPWORDS = frozenset(
    {
        "en", "in", "op", "of", "is", "om", "te", "de", "na", "al", "er", "ik", "je", "we",
        "ze", "uw", "ca", "nr", "am", "pm", "at", "to", "on", "or", "an", "as", "by", "if",
        "it", "me", "my", "no", "so", "up", "us", "he", "ja", "nu", "zo", "nl", "eu", "tm",
    }
)  # fmt: skip


def _starts_token(text: str, start: int, also: frozenset[str] = _NON_BOUNDARY) -> bool:
    """True when a number found at ``start`` is not the tail of a word or a longer number.

    A colon after a word is a label ("BSN:123456782"); after a digit it is part of a time.
    """
    if start == 0:
        return True
    prev = text[start - 1]
    if prev == ":" and start > 1 and not text[start - 2].isspace():
        return text[start - 2].isalpha()  # "BSN:123456782"; after a digit: the minutes of a time
    if prev.isalnum() or prev in also:
        return False
    return not (start > 1 and (prev in _SEP_CHARS or prev in ".,/") and text[start - 2].isdigit())


def _glued_word_ok(text: str, start: int, end: int) -> bool | None:
    """Whether a number at ``start:end`` touches a word: None if not; True if that is a word of
    letters ("tel0612345678", "0612345678graag"); False if the token is a code: it holds other
    digits, hangs on a dash, or all its letters are hex digits ("3f2a0612-...", "-ec0338776897").
    """
    before = start
    while before > 0 and text[before - 1].isalpha():
        before -= 1
    after = end
    while after < len(text) and text[after].isalpha():
        after += 1
    if before == start and after == end:
        return None
    if before > 0 and (text[before - 1].isalnum() or text[before - 1] in "_-"):
        return False
    if after < len(text) and (text[after].isdigit() or text[after] in "_-"):
        return False
    letters = text[before:start] + text[end:after]
    return not all(letter in _HEX_LETTERS for letter in letters)


def _at_marks(text: str) -> list[int]:
    """Where "@", "%40", "(at)", "[at]" or "{at}" stands in ``text`` (str.find is far cheaper than
    a regex scan for these)."""
    marks: list[int] = []
    for sign in _AT_SIGNS:
        at = text.find(sign)
        while at >= 0:
            marks.append(at)
            at = text.find(sign, at + 1)
    for bracket in "([{":
        at = text.find(bracket)
        while at >= 0:
            if text[at + 1 : at + 3].lower() == "at" and text[at + 3 : at + 4] in ")]}":
                marks.append(at)
            at = text.find(bracket, at + 1)
    return sorted(marks)


def _local_part_start(text: str, at: int, last: int) -> int:
    """Where the local part before the "@" (or "(at)") at ``at`` would begin."""
    start = at - 1 if at > last and text[at - 1] == " " else at
    floor = max(last, at - _LOCAL_MAX)
    while start > floor and (text[start - 1].isalnum() or text[start - 1] in _LOCAL_CHARS):
        start -= 1
    while start < at and text[start] in ".'":
        start += 1
    return start - 1 if start > floor and text[start - 1] == "@" else start


def _mask_emails(text: str, scan: _Scan) -> str:
    """Replace every address, trying the pattern only where an "@" (or its spelling) stands."""
    out: list[str] = []
    last = 0
    for at in _at_marks(text):
        if at < last:
            continue
        found = _EMAIL.match(text, _local_part_start(text, at, last), at + _DOMAIN_MAX)
        if found is None or found.end() <= at:
            continue
        out.append(text[last : found.start()])
        out.append(scan.hit(EMAIL))
        last = found.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _iban_length(raw: str) -> int | None:
    """Length of the longest prefix of the candidate's groups that is a valid IBAN (a word may
    trail it), or None. It starts with letters, so a number before it ("stap 2 NL91 ...") is no
    reason to doubt it, unlike for the numbers below."""
    groups = list(_IBAN_GROUP.finditer(raw))
    for count in range(len(groups), 0, -1):
        end = groups[count - 1].end()
        if _iban_checksum_ok(raw[:end]) and stdnum_iban.is_valid(_iban_compact(raw[:end])):
            return end
    return None


def _iban_compact(candidate: str) -> str:
    """Without separators: stdnum strips ASCII spaces, dots and dashes, not no-break spaces."""
    if candidate.isascii():
        return candidate.replace(" ", "").replace(".", "").replace("-", "")
    return candidate.translate(_IBAN_STRIP)


def _iban_checksum_ok(candidate: str) -> bool:
    """ISO 7064 mod 97-10, cheap enough to run before stdnum's full check on every prefix."""
    compact = _iban_compact(candidate).upper()
    if len(compact) < 15 or not compact.isalnum():
        return False
    return int((compact[4:] + compact[:4]).translate(_BASE36)) % 97 == 1


def _mask_ibans(text: str, scan: _Scan) -> str:
    """Replace valid IBANs; a candidate that is none may still hold the start of one
    ("KL12 NL91 ABNA ...": a code, then an IBAN), so the search goes on from its second
    character."""
    out: list[str] = []
    last = pos = 0
    while (match := _IBAN.search(text, pos)) is not None:
        raw = match.group(0)
        length = None if raw[2] in _SPACES and not raw[:2].isupper() else _iban_length(raw)
        if length is None:
            pos = match.start() + 1
            continue
        out.append(text[last : match.start()])
        out.append(scan.hit(IBAN))
        last = pos = match.start() + length
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _is_service_number(number: phonenumbers.PhoneNumber) -> bool:
    """Dutch 0800/090x and 088 numbers belong to organisations (helplines, UWV), not citizens."""
    return number.country_code == 31 and str(number.national_number).startswith(_SERVICE_PREFIXES)


def _looks_like_a_phone_number(raw: str, number: phonenumbers.PhoneNumber, before: str) -> bool:
    """A number written as a phone number that no operator has (yet): a typo or an unallocated
    range ("06-00000013"). It still identifies someone who wrote it down, so it goes too.

    Only a whole candidate written with a leading "+" (international, of a possible length) or a
    Dutch trunk "0" followed by exactly nine digits counts, and not right after a label of another
    kind of number ("factuur 0123456789"); dates and case numbers do not look like that.
    """
    if _OTHER_NUMBER_LABEL.search(before):
        return False
    written = raw.lstrip("(")
    if written.startswith("+"):
        return phonenumbers.is_possible_number(number)
    digits = _NON_DIGIT.sub("", raw)
    return written.startswith("0") and not digits.startswith("00") and len(digits) == 10


def _parse_phone(raw: str) -> phonenumbers.PhoneNumber | None:
    """``phonenumbers`` reading of a candidate (it does not know every typographic separator)."""
    if raw.startswith(_E164_WITHOUT_PLUS):
        raw = "+" + raw
    try:
        return phonenumbers.parse(_ascii_separators(raw), "NL")
    except phonenumbers.NumberParseException:
        return None


def _phone_replacement(match: re.Match[str], text: str, scan: _Scan) -> str | None:
    """The candidate with its phone numbers masked, or None when it does not start a number
    (another number may start inside it: "03-2024 0612345678" in "12-03-2024 0612345678")."""
    raw = match.group(0)
    start = match.start()
    date = _DATE_START.match(raw)
    if date is not None:
        return raw[: date.end()] + _mask_phones(raw[date.end() :], scan)
    strict = _phone_start(text, start, match.end(), raw)
    if strict is None:
        return None
    if len(_NON_DIGIT.sub("", raw)) < _MIN_PHONE_DIGITS:
        return raw
    number = _parse_phone(raw)
    if number is not None and _counts_as_phone(raw, number, text, start, strict=strict):
        return raw if _is_service_number(number) else scan.hit(PHONE)
    return _mask_phones_inside(raw, scan)


def _phone_start(text: str, start: int, end: int, raw: str) -> bool | None:
    """None if the candidate does not start a number; else whether only a valid number counts.

    A letter may touch a phone number ("tel0612345678") and a number may precede it after a
    space ("Kerkstraat 12 0612345678"); then it must be a number that an operator has. A token
    that also holds other digits ("3f2a0612-...") is a code, and "wa.me/316..." is a link.
    """
    if start >= 3 and _URL_ESCAPE.fullmatch(text, start - 3, start):
        return False  # "tel%3A0612345678", "%2B31612345678" in a logged URL
    glued = _glued_word_ok(text, start, end)
    if glued is not None:
        return True if glued else None
    if start > 1 and text[start - 1] in _SPACES and text[start - 2].isdigit():
        return True
    also = _E164_NON_BOUNDARY if raw.startswith(_E164_WITHOUT_PLUS) else _PHONE_NON_BOUNDARY
    return False if _starts_token(text, start, also) else None


def _counts_as_phone(
    raw: str, number: phonenumbers.PhoneNumber, text: str, start: int, *, strict: bool
) -> bool:
    """A valid number; or, unless ``strict``, one written as a phone number (typo, unallocated)."""
    if phonenumbers.is_valid_number(number):
        return True
    if strict:
        return False
    before = text[max(0, start - _CONTEXT_CHARS) : start]
    return _looks_like_a_phone_number(raw, number, before) or _foreign_mobile(raw, before)


def _foreign_mobile(raw: str, before: str) -> bool:
    """A mobile number written the way its own country writes it, with a trunk "0"."""
    digits = _NON_DIGIT.sub("", raw)
    if not raw.startswith("0") or digits.startswith("00") or len(digits) < 11:
        return False
    if len(_NON_DIGIT.split(raw, 1)[0]) > 5:
        return False  # "05457988 646": two numbers side by side, not "0545 798 86 46"
    if _OTHER_NUMBER_LABEL.search(before):
        return False
    for region in _TRUNK_REGIONS:
        number = phonenumbers.parse(digits, region)
        if phonenumbers.is_valid_number(number) and (
            phonenumbers.number_type(number) in _MOBILE_TYPES
        ):
            return True
    return False


def _mask_phones_inside(raw: str, scan: _Scan) -> str:
    """A candidate may join a phone number with a neighbouring number ("06-12345678 12-03")."""
    out: list[str] = []
    last = 0
    ascii_raw = _ascii_separators(raw)  # one character for one: offsets stay the same
    matches = phonenumbers.PhoneNumberMatcher(ascii_raw, "NL", leniency=phonenumbers.Leniency.VALID)
    for found in matches:
        if (
            not found.raw_string.lstrip("(").startswith(("+", "0"))
            or _is_service_number(found.number)
            or _NUMBER_GOES_ON.match(raw, found.end)
        ):
            continue
        out.append(raw[last : found.start])
        out.append(scan.hit(PHONE))
        last = found.end
    out.append(raw[last:])
    return "".join(out)


def _mask_phones(text: str, scan: _Scan) -> str:
    """Replace phone numbers; the "316..." form has its own pattern, tried only when it can be."""
    text = _mask_phone_matches(_PHONE, text, scan)
    if _E164_WITHOUT_PLUS in text:
        text = _mask_phone_matches(_E164_BARE, text, scan)
    return text


def _mask_phone_matches(pattern: re.Pattern[str], text: str, scan: _Scan) -> str:
    """Like ``pattern.sub``, but a candidate that starts no number is searched again from its
    second character, since a number may start inside it."""
    out: list[str] = []
    last = pos = 0
    while (match := pattern.search(text, pos)) is not None:
        new = _phone_replacement(match, text, scan)
        if new is None:
            pos = match.start() + 1
            continue
        out.append(text[last : match.start()])
        out.append(new)
        last = pos = match.end()
    if not out:
        return text
    out.append(text[last:])
    return "".join(out)


def _bsn_replacement(match: re.Match[str], text: str, scan: _Scan) -> str:
    raw = match.group(0)
    if not _starts_token(text, match.start()) and not _after_a_number(text, match.start(), raw):
        return raw
    if not stdnum_bsn.is_valid(_NON_DIGIT.sub("", raw)):
        return raw
    before = text[max(0, match.start() - _CONTEXT_CHARS) : match.start()]
    if _OTHER_NUMBER_LABEL.search(before) and not _has_bsn_label(before):
        return raw
    return scan.hit(BSN)


def _after_a_number(text: str, start: int, raw: str) -> bool:
    """Nine digits in one block after another number and a space ("12-03 123456782") are a
    number of their own; a grouped one may be the tail of a longer grouped number."""
    return raw.isdigit() and text[start - 1] in _SPACES and text[start - 2].isdigit()


def _has_bsn_label(text: str) -> bool:
    lower = text.lower()
    return any(label in lower for label in _BSN_LABELS)


def _labelled_bsn_replacement(match: re.Match[str], scan: _Scan) -> str:
    digits = _NON_DIGIT.sub("", match.group(1))
    if not stdnum_bsn.is_valid(digits.zfill(9)) or _DATE_START.match(match.group(1)):
        return match.group(0)
    start = match.start(1) - match.start(0)
    return match.group(0)[:start] + scan.hit(BSN)


def _is_placeholder(text: str, at: int) -> bool:
    """The "BSN" at ``at`` is the "[BSN]" of a number masked before, not a label."""
    return at > 0 and text[at - 1] == "[" and text.startswith("BSN]", at)


def _mask_bsns(text: str, scan: _Scan) -> str:
    text = _BSN.sub(lambda m: _bsn_replacement(m, text, scan), text)
    lower = text.lower()
    for label in _BSN_LABELS:
        at = lower.find(label)
        while at >= 0:
            if (at == 0 or not lower[at - 1].isalnum()) and not _is_placeholder(text, at):
                match = _BSN_LABELLED.match(text, at)
                if match is not None:
                    new = _labelled_bsn_replacement(match, scan)
                    text = text[: match.start()] + new + text[match.end() :]
                    lower = text.lower()
            at = lower.find(label, at + 1)
    return text


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
    if tail.group("pc4") and _is_postcode(tail.group("pcl"), tail.group("pcs"), ""):
        return start, tail
    if _ADDRESS_CUE.search(text, max(0, start - 40), start):
        return start, tail
    return None


def _mask_addresses(text: str, scan: _Scan) -> str:
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


def _is_postcode(letters: str, space: str, before: str) -> bool:
    """Whether four digits and these letters are a postcode rather than a unit or a word."""
    lower = letters.lower()
    if space and lower in {"en", "of", "tm"}:
        return False
    if space and not letters.isupper() and lower in _SPACED_STOPWORDS:
        return False
    if "postcode" in before.lower():
        return True
    if lower in _NOT_POSTCODE_LETTERS:
        return False
    return not (lower in _UNIT_LETTERS and not letters.isupper())


def _postcode_replacement(match: re.Match[str], text: str, scan: _Scan) -> str:
    digits, space, letters, house_number = match.groups()
    start = match.start()
    if start and (text[start - 1].isalnum() or text[start - 1] in "_€$"):
        return match.group(0)
    if not _is_postcode(letters, space, text[max(0, start - _POSTCODE_LABEL_CHARS) : start]):
        return match.group(0)
    scan.saw_postcode(digits)
    if house_number:
        return scan.hit(ADDRESS)
    scan.found[POSTCODE] = scan.found.get(POSTCODE, 0) + 1
    return str(digits)


def _mask_postcodes(text: str, scan: _Scan) -> str:
    return _POSTCODE.sub(lambda m: _postcode_replacement(m, text, scan), text)


def _has_phone_start(text: str, start: int, run: str) -> bool:
    run = _ascii_separators(run)
    return (
        run[0] == "0"
        or " 0" in run
        or "(0" in run
        or "/0" in run
        or (start > 0 and text[start - 1] in "+(")
        or text[max(0, start - 2) : start] == "+ "
        or run.startswith(_E164_WITHOUT_PLUS)
    )


def _may_hold_email(text: str) -> bool:
    """An "@", URL-encoded or spelled out against spam ("info(at)example.nl")."""
    if "@" in text or "%40" in text:
        return True
    return ("(" in text or "[" in text or "{" in text) and bool(_at_marks(text))


def _has_digit(text: str) -> bool:
    """``_DIGIT.search(text) is not None``, without the regex scan on ASCII text (most text)."""
    for digit in _ASCII_DIGITS:
        if digit in text:
            return True
    return not text.isascii() and _DIGIT.search(text) is not None


def mask_text(text: str) -> MaskResult:
    """Replace every identifier in ``text``; see the module docstring for what counts."""
    has_email = _may_hold_email(text)
    if not has_email and not _has_digit(text):
        return MaskResult(text, _EMPTY)
    scan = _Scan()
    if has_email:
        text = _mask_emails(text, scan)
    if not _has_digit(text):
        # Every detector but the e-mail one needs a digit (numbers, house numbers, postcodes),
        # and most messages have none: skip their scans.
        return MaskResult(text, MappingProxyType(scan.found) if scan.found else _EMPTY)
    runs = [(m.start(), m.group(0)) for m in _LONG_RUN.finditer(text)]
    if runs:
        original = text
        if any(_IBAN_HEAD.search(original, max(0, at - _IBAN_LOOKBACK), at + 2) for at, _ in runs):
            text = _mask_ibans(text, scan)
        if any(_has_phone_start(original, at, run) for at, run in runs):
            text = _mask_phones(text, scan)
        text = _mask_bsns(text, scan)
    text = _mask_addresses(text, scan)
    text = _mask_postcodes(text, scan)
    found = MappingProxyType(scan.found) if scan.found else _EMPTY
    return MaskResult(text, found, scan.postcode4)


def mask_value(value: JsonValue) -> JsonValue:
    """Mask every string inside a JSON value (metadata); keys and non-strings stay as they are."""
    if isinstance(value, str):
        return mask_text(value).text
    if isinstance(value, dict):
        return {key: mask_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [mask_value(item) for item in value]
    return value
