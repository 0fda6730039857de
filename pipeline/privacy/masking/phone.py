"""Phone numbers, Dutch or international, become ``[TELEFOON]``.

A candidate is any run of digits that starts the way people write a phone number ("+", "00", a
trunk "0", or "316..." without its "+"); ``phonenumbers`` decides whether it is one. A number
that no operator has still goes when it is written as a whole phone number (a typo identifies
its writer too), while dates, times, codes and the service numbers of organisations stay.
"""

from __future__ import annotations

import re

import phonenumbers

from pipeline.privacy.masking.scan import (
    CONTEXT_CHARS,
    DASHES,
    DATE_START,
    NON_DIGIT,
    OTHER_NUMBER_LABEL,
    PHONE,
    SEP,
    SPACES,
    Scan,
    ascii_separators,
    starts_token,
)
from pipeline.privacy.phone_numbers import read_number

# A phone number written for humans starts with "+", "00" or a trunk "0" (optionally in
# parentheses). Requiring that keeps 9-digit BSN-like, case and invoice numbers away from
# phonenumbers, which would accept e.g. "201234567" as a Dutch number without its trunk prefix.
# A Dutch mobile in E.164 without its "+" ("31612345678", as in wa.me links and CRM exports) is
# the one form without such a start. A letter may touch the number ("tel0612345678"); a digit,
# a separator and a digit (a longer number, or a time after a date: "01-02-2024 10:15") or a
# percent sign may not.
_PHONE_END = rf"(?![\d_/{DASHES}]|[.,:]\d|\s?%)"
_PHONE = re.compile(rf"(?:\+[ ]?|\(?0)[\d()][\d()./{SEP}]{{6,22}}\d{_PHONE_END}")
E164_WITHOUT_PLUS = "316"
_E164_BARE = re.compile(rf"(?<![\d+]){E164_WITHOUT_PLUS}\d{{8}}{_PHONE_END}")
_NUMBER_GOES_ON = re.compile(r"[.,:]\d|\s?%")  # as _PHONE_END: "08708609 20.37" is no number
_PHONE_NON_BOUNDARY = frozenset("_+/,-")
_SEPARATORS = frozenset(SEP)
_E164_NON_BOUNDARY = frozenset("_+,-")  # "wa.me/31612345678"
_HEX_LETTERS = frozenset("abcdefABCDEF")
_URL_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")
_MIN_PHONE_DIGITS = 8
_SERVICE_PREFIXES = ("800", "900", "906", "909", "88")
# A number in the national format of a country whose mobiles do not look Dutch ("0151 23456789",
# "07911 123456", "0532 123 45 67"): Belgian and Moroccan mobiles already look like Dutch ones.
_TRUNK_REGIONS = ("DE", "GB", "TR")
_MOBILE_TYPES = frozenset(
    {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}
)


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
    if OTHER_NUMBER_LABEL.search(before):
        return False
    written = raw.lstrip("(")
    if written.startswith("+"):
        return phonenumbers.is_possible_number(number)
    digits = NON_DIGIT.sub("", raw)
    return written.startswith("0") and not digits.startswith("00") and len(digits) == 10


def _parse_phone(raw: str) -> tuple[phonenumbers.PhoneNumber, bool] | None:
    """``phonenumbers`` reading of a candidate (it does not know every typographic separator)
    and whether the number is valid."""
    if raw.startswith(E164_WITHOUT_PLUS):
        raw = "+" + raw
    return read_number(ascii_separators(raw))


def _phone_replacement(match: re.Match[str], text: str, scan: Scan) -> str | None:
    """The candidate with its phone numbers masked, or None when it does not start a number
    (another number may start inside it: "03-2024 0612345678" in "12-03-2024 0612345678")."""
    raw = match.group(0)
    start = match.start()
    date = DATE_START.match(raw)
    if date is not None:
        return raw[: date.end()] + mask_phones(raw[date.end() :], scan)
    strict = _phone_start(text, start, match.end(), raw)
    if strict is None:
        return None
    if len(NON_DIGIT.sub("", raw)) < _MIN_PHONE_DIGITS:
        return raw
    read = _parse_phone(raw)
    if read is not None and _counts_as_phone(raw, *read, text, start, strict=strict):
        return raw if _is_service_number(read[0]) else scan.hit(PHONE)
    cut = _valid_head(raw)
    if cut is not None:
        return scan.hit(PHONE) + _mask_phones_inside(raw[cut:], scan)
    return _mask_phones_inside(raw, scan)


def _valid_head(raw: str) -> int | None:
    """Where the longest valid phone number at the start of ``raw`` ends, cut at a separator.

    A candidate may run a phone number into the next number ("+31 6 1234 5678 123456782": a
    phone number and a BSN side by side); ``phonenumbers``' matcher rejects the whole run and
    does not try its parts.
    """
    for cut in range(len(raw) - 1, _MIN_PHONE_DIGITS - 1, -1):
        if raw[cut] not in _SEPARATORS or raw[cut - 1] in _SEPARATORS:
            continue
        read = _parse_phone(raw[:cut])
        if read is not None and read[1]:
            return None if _is_service_number(read[0]) else cut
    return None


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
    if start > 1 and text[start - 1] in SPACES and text[start - 2].isdigit():
        return True
    also = _E164_NON_BOUNDARY if raw.startswith(E164_WITHOUT_PLUS) else _PHONE_NON_BOUNDARY
    return False if starts_token(text, start, also) else None


def _counts_as_phone(
    raw: str, number: phonenumbers.PhoneNumber, valid: bool, text: str, start: int, *, strict: bool
) -> bool:
    """A valid number; or, unless ``strict``, one written as a phone number (typo, unallocated)."""
    if valid:
        return True
    if strict:
        return False
    before = text[max(0, start - CONTEXT_CHARS) : start]
    return _looks_like_a_phone_number(raw, number, before) or _foreign_mobile(raw, before)


def _foreign_mobile(raw: str, before: str) -> bool:
    """A mobile number written the way its own country writes it, with a trunk "0"."""
    digits = NON_DIGIT.sub("", raw)
    if not raw.startswith("0") or digits.startswith("00") or len(digits) < 11:
        return False
    if len(NON_DIGIT.split(raw, 1)[0]) > 5:
        return False  # "05457988 646": two numbers side by side, not "0545 798 86 46"
    if OTHER_NUMBER_LABEL.search(before):
        return False
    for region in _TRUNK_REGIONS:
        read = read_number(digits, region)
        if read is not None and read[1] and phonenumbers.number_type(read[0]) in _MOBILE_TYPES:
            return True
    return False


def _mask_phones_inside(raw: str, scan: Scan) -> str:
    """A candidate may join a phone number with a neighbouring number ("06-12345678 12-03")."""
    out: list[str] = []
    last = 0
    ascii_raw = ascii_separators(raw)  # one character for one: offsets stay the same
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


def mask_phones(text: str, scan: Scan) -> str:
    """Replace phone numbers; the "316..." form has its own pattern, tried only when it can be."""
    text = _mask_phone_matches(_PHONE, text, scan)
    if E164_WITHOUT_PLUS in text:
        text = _mask_phone_matches(_E164_BARE, text, scan)
    return text


def _mask_phone_matches(pattern: re.Pattern[str], text: str, scan: Scan) -> str:
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
