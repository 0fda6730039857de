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


# --- pre-checks -------------------------------------------------------------------------------

# A run of digits with separators: phone numbers, BSNs and IBAN account parts all contain one
# with at least eight digits (six for the IBAN window test); most texts have none.
_LONG_RUN = re.compile(r"\d[\d .()/-]{6,}\d")
_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = "0123456789"
_IBAN_HEAD = re.compile(r"[A-Za-z]{2}\d{2}")
_IBAN_LOOKBACK = 12
_NON_BOUNDARY = frozenset("_+.,/:-")

# --- e-mail (optionally a fediverse handle "@user@host") ---------------------------------------

_EMAIL = re.compile(r"@?[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}\b")

# --- IBAN ---------------------------------------------------------------------------------------

_IBAN = re.compile(r"[A-Za-z]{2}\d{2}(?:[ ]?[A-Za-z0-9]{1,4}){3,8}\b")
_IBAN_GROUP = re.compile(r"[A-Za-z0-9]+")
# ISO 7064 writes a letter as its base-36 value ("A" -> "10"); digits stay as they are.
_BASE36 = str.maketrans({letter: str(int(letter, 36)) for letter in string.ascii_uppercase})

# --- phone --------------------------------------------------------------------------------------

# A phone number written for humans starts with "+", "00" or a trunk "0" (optionally in
# parentheses). Requiring that keeps 9-digit BSN-like, case and invoice numbers away from
# phonenumbers, which would accept e.g. "201234567" as a Dutch number without its trunk prefix.
_PHONE = re.compile(r"(?:\+|\(?0)[\d()][\d ()./-]{6,22}\d(?![\w/-]|[.,]\d)")
_NON_DIGIT = re.compile(r"\D")
_MIN_PHONE_DIGITS = 8
_SERVICE_PREFIXES = ("800", "900", "906", "909")

# --- BSN ----------------------------------------------------------------------------------------

_BSN = re.compile(
    r"\d(?:\d{8}|\d{3}([ .])\d{2}\1\d{3}|\d{2}([ .])\d{3}\2\d{3}|\d([ .])\d{3}\3\d{2}\3\d{2}"
    r"|\d{7}-\d)"
    r"(?![\w:]|[ .,/-]\d)"
)
_BSN_LABELLED_8 = re.compile(
    r"(?i)(?:bsn|burgerservicenummer|sofi-?nummer)\b[^\d\n]{0,20}?"
    r"(?<![\d.,/-])(\d{8}|\d{4}[ .]\d{4}|\d{3}[ .]\d{2}[ .]\d{3})(?![\d]|[.,/-]\d)"
)
_BSN_LABELS = ("bsn", "burgerservicenummer", "sofi")
_OTHER_NUMBER_LABEL = re.compile(
    r"(?i)(?:factuur|kenmerk|zaak|dossier|order|referentie|\bref\b|klantnummer|debiteur|polis"
    r"|contract|ticket|melding|aanvraag|registratie|relatienummer|volgnummer|invoice|case)"
)
_CONTEXT_CHARS = 30

# --- street address -----------------------------------------------------------------------------

_SUFFIXES = (
    "straat|laan|weg|plein|gracht|kade|singel|dijk|pad|hof|steeg|dreef|markt|park|ring|baan"
    "|allee|wal|haven|veld|erf|hoek|plantsoen|boulevard|promenade|burgwal|dam|kanaal|vliet"
    "|poort|oord|werf|brink|wetering|zoom|hout|gaarde|kamp|dal|berg|donk|akker|weide|hoeve"
    "|passage|kwartier|pier|lei|drift|baan|stede|stee|schans"
)
_SUFFIX_WORDS = frozenset(_SUFFIXES.split("|"))
_SUFFIX_TUPLE = tuple(_SUFFIX_WORDS)
_SPACE_DIGIT = re.compile(r" \d")
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
_LEFT = rf"(?:(?:{_CAP}\.)+|{_CAP}{_L}*\.?)\s+(?:{_NAME_PART}\s+)*"
# Capitalised words and name particles right before a street word ("Burg. de", "Van", "Oude").
_LEFT_WORDS = re.compile(rf"(?<![\w.'-])(?:{_LEFT}){{1,3}}$")
_LAAN_VAN = re.compile(
    r"(?<![\w.'-])(?:Laan|Weg|Plein|Kade|Singel|Dijk|Straat|Park|Hof|Dreef|Gracht|Burgwal|Ring)"
    rf"(?:\s+{_PART})+\s+{_CAP}[\w'.-]*(?:\s+{_CAP}[\w'.-]*)?$"
)
_HOUSE_NUMBER = (
    r"(?P<num>(?>[1-9]\d{0,4}(?!\d)"
    r"(?:[ -]?(?:bis|hs|huis|bg|boven|beneden)\b|-\d{1,4}\b|-[A-Za-z]{1,3}\b"
    r"|[A-Za-z](?![\w])|[ ][A-Z](?![\w]))?))"
)
_MONTHS = (
    "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
    "|jan|feb|mrt|apr|jun|jul|aug|sep|sept|okt|nov|dec"
)
_NOT_AFTER = (
    r"(?![.,:]\d|\s*(?:%|x\b|(?i:keer|weken|week|dagen|dag|jaar|jaren|uur|minuten|min|meter|m"
    r"|km|kilometer|cm|mm|kg|euro|eur|straten|huizen|woningen|auto's|auto|fietsen|bomen"
    rf"|kinderen|mensen|personen|bewoners|stuks|maal|maanden|maand|lantaarnpalen|{_MONTHS})\b))"
)
_CITY = (
    rf"(?:'s-{_CAP}{_L}+|(?:Den|De|Sint|Nieuw|Oud|Oude|Groot|Hoog|Zuid|Noord|Oost|West)"
    rf"\s{_CAP}{_L}+|{_CAP}{_L}+(?:-{_L}+)*)"
)
# What follows a street name: house number (with addition), then optionally postcode and city.
_ADDRESS_TAIL = re.compile(
    rf"\s+{_HOUSE_NUMBER}{_NOT_AFTER}"
    rf"(?:,?\s+(?P<pc4>[1-9]\d{{3}})\s?[A-Za-z]{{2}}\b(?:,?\s+{_CITY})?)?"
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
    }
)  # fmt: skip

# --- postcode -----------------------------------------------------------------------------------

_POSTCODE = re.compile(r"([1-9]\d{3})( ?)([A-Za-z]{2})\b")
_NOT_POSTCODE_LETTERS = frozenset(
    {"sa", "sd", "ss", "mb", "gb", "kb", "km", "cm", "mm", "kg", "pk", "kw", "ml", "cc"}
)
_SPACED_STOPWORDS = frozenset(
    {
        "en", "in", "op", "of", "is", "om", "te", "de", "na", "al", "er", "ik", "je", "we",
        "ze", "uw", "ca", "nr", "am", "pm", "at", "to", "on", "or", "an", "as", "by", "if",
        "it", "me", "my", "no", "so", "up", "us", "he", "ja", "nu", "zo", "nl", "eu", "tm",
    }
)  # fmt: skip


def _starts_token(text: str, start: int, also: frozenset[str] = _NON_BOUNDARY) -> bool:
    """True when a number found at ``start`` is not the tail of a word or a longer number."""
    if start == 0:
        return True
    prev = text[start - 1]
    if prev.isalnum() or prev in also:
        return False
    return not (start > 1 and prev in " .,/-" and text[start - 2].isdigit())


def _mask_emails(text: str, scan: _Scan) -> str:
    return _EMAIL.sub(lambda m: scan.hit(EMAIL), text)


def _iban_replacement(match: re.Match[str], text: str, scan: _Scan) -> str:
    """Longest prefix of the candidate's groups that is a valid IBAN (a word may trail it)."""
    raw = match.group(0)
    if not _starts_token(text, match.start(), frozenset("_")):
        return raw
    groups = list(_IBAN_GROUP.finditer(raw))
    for count in range(len(groups), 0, -1):
        end = groups[count - 1].end()
        if _iban_checksum_ok(raw[:end]) and stdnum_iban.is_valid(raw[:end]):
            return scan.hit(IBAN) + raw[end:]
    return raw


def _iban_checksum_ok(candidate: str) -> bool:
    """ISO 7064 mod 97-10, cheap enough to run before stdnum's full check on every prefix."""
    compact = candidate.replace(" ", "").upper()
    if len(compact) < 15 or not compact.isalnum():
        return False
    return int((compact[4:] + compact[:4]).translate(_BASE36)) % 97 == 1


def _mask_ibans(text: str, scan: _Scan) -> str:
    return _IBAN.sub(lambda m: _iban_replacement(m, text, scan), text)


def _is_service_number(number: phonenumbers.PhoneNumber) -> bool:
    """Dutch 0800/090x numbers belong to organisations (ombudsman, helplines), not citizens."""
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


def _phone_replacement(match: re.Match[str], text: str, scan: _Scan) -> str:
    raw = match.group(0)
    if not _starts_token(text, match.start(), frozenset("_+/,-")):
        return raw
    if len(_NON_DIGIT.sub("", raw)) < _MIN_PHONE_DIGITS:
        return raw
    try:
        number = phonenumbers.parse(raw, "NL")
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and (
        phonenumbers.is_valid_number(number)
        or _looks_like_a_phone_number(
            raw, number, text[max(0, match.start() - _CONTEXT_CHARS) : match.start()]
        )
    ):
        if _is_service_number(number):
            return raw
        return scan.hit(PHONE)
    # The candidate may join a phone number with a neighbouring number ("06-12345678 12-03").
    out: list[str] = []
    last = 0
    for found in phonenumbers.PhoneNumberMatcher(raw, "NL", leniency=phonenumbers.Leniency.VALID):
        if not found.raw_string.lstrip("(").startswith(("+", "0")) or _is_service_number(
            found.number
        ):
            continue
        out.append(raw[last : found.start])
        out.append(scan.hit(PHONE))
        last = found.end
    out.append(raw[last:])
    return "".join(out)


def _mask_phones(text: str, scan: _Scan) -> str:
    return _PHONE.sub(lambda m: _phone_replacement(m, text, scan), text)


def _bsn_replacement(match: re.Match[str], text: str, scan: _Scan) -> str:
    raw = match.group(0)
    if not _starts_token(text, match.start()):
        return raw
    if not stdnum_bsn.is_valid(_NON_DIGIT.sub("", raw)):
        return raw
    before = text[max(0, match.start() - _CONTEXT_CHARS) : match.start()]
    if _OTHER_NUMBER_LABEL.search(before) and not _has_bsn_label(before):
        return raw
    return scan.hit(BSN)


def _has_bsn_label(text: str) -> bool:
    lower = text.lower()
    return any(label in lower for label in _BSN_LABELS)


def _labelled_bsn_replacement(match: re.Match[str], scan: _Scan) -> str:
    digits = _NON_DIGIT.sub("", match.group(1))
    if not stdnum_bsn.is_valid(digits.zfill(9)):
        return match.group(0)
    start = match.start(1) - match.start(0)
    return match.group(0)[:start] + scan.hit(BSN)


def _mask_bsns(text: str, scan: _Scan) -> str:
    text = _BSN.sub(lambda m: _bsn_replacement(m, text, scan), text)
    lower = text.lower()
    for label in _BSN_LABELS:
        at = lower.find(label)
        while at >= 0:
            if at == 0 or not lower[at - 1].isalnum():
                match = _BSN_LABELLED_8.match(text, at)
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


def _address_at(text: str, gap: int) -> tuple[int, re.Match[str]] | None:
    """The address whose street name ends at ``gap`` (whitespace before a digit), if any."""
    word_start, word = _word_before(text, gap)
    if not word or not word[0].isalpha():
        return None
    lower = word.lower()
    if lower[-2:] in _SUFFIX_ENDINGS and lower.endswith(_SUFFIX_TUPLE):
        tail = _ADDRESS_TAIL.match(text, gap)
        if tail is not None and _is_street_word(word, _leading_digits(tail.group("num"))):
            left = _LEFT_WORDS.search(text, max(0, word_start - 60), word_start)
            return (left.start() if left else word_start), tail
    if word[0].isupper() and _LAAN_HINT.search(text, max(0, gap - 80), gap):
        laan = _LAAN_VAN.search(text, max(0, gap - 80), gap)
        tail = _ADDRESS_TAIL.match(text, gap) if laan is not None else None
        if laan is not None and tail is not None:
            return laan.start(), tail
    return None


def _mask_addresses(text: str, scan: _Scan) -> str:
    """Replace street + house number (+ postcode and city) found after cheap anchors."""
    out: list[str] = []
    last = 0
    for anchor in _SPACE_DIGIT.finditer(text):
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


def _postcode_replacement(match: re.Match[str], text: str, scan: _Scan) -> str:
    digits, space, letters = match.groups()
    if match.start() and (text[match.start() - 1].isalnum() or text[match.start() - 1] in "_€$"):
        return match.group(0)
    lower = letters.lower()
    if lower in _NOT_POSTCODE_LETTERS:
        return match.group(0)
    if space and not letters.isupper() and lower in _SPACED_STOPWORDS:
        return match.group(0)
    if space and lower in {"en", "of", "tm"}:
        return match.group(0)
    scan.saw_postcode(digits)
    scan.found[POSTCODE] = scan.found.get(POSTCODE, 0) + 1
    return str(digits)


def _mask_postcodes(text: str, scan: _Scan) -> str:
    return _POSTCODE.sub(lambda m: _postcode_replacement(m, text, scan), text)


def _has_phone_start(text: str, start: int, run: str) -> bool:
    return (
        run[0] == "0"
        or " 0" in run
        or "(0" in run
        or "/0" in run
        or (start > 0 and text[start - 1] in "+(")
    )


def _has_digit(text: str) -> bool:
    """``_DIGIT.search(text) is not None``, without the regex scan on ASCII text (most text)."""
    for digit in _ASCII_DIGITS:
        if digit in text:
            return True
    return not text.isascii() and _DIGIT.search(text) is not None


def mask_text(text: str) -> MaskResult:
    """Replace every identifier in ``text``; see the module docstring for what counts."""
    if "@" not in text and not _has_digit(text):
        return MaskResult(text, _EMPTY)
    scan = _Scan()
    if "@" in text:
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
