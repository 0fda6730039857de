"""``mask_text``: which detectors run on a text, in which order, and which it can skip.

Speed matters (the feed runs at tens of thousands of messages per second per core), so each
detector sits behind a cheap precompiled pre-check and the expensive validators only run on
candidates. Most messages hold no identifier at all: text without a digit and without an "@"
(or its spellings) is returned as it is, text without a digit after e-mail masking skips every
other detector, and the IBAN, phone and BSN detectors only run on text with a long run of digits
(IBAN and phone only when a run could be the start of one of theirs).

Each detector sees the text with the placeholders of the ones before it, so an identifier that
may hold something that looks like another goes first: e-mail addresses (they may hold digits),
IBANs (their account part may look like a phone number), phone numbers (their digits may pass
the BSN 11-test), BSNs; then street addresses, which take a postcode after the house number
with them, and last the postcodes that are left.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType
from typing import NamedTuple

from pydantic import JsonValue

from pipeline.privacy.masking.address import mask_addresses
from pipeline.privacy.masking.bsn import mask_bsns
from pipeline.privacy.masking.email import at_marks, mask_emails
from pipeline.privacy.masking.iban import mask_ibans
from pipeline.privacy.masking.phone import E164_WITHOUT_PLUS, mask_phones
from pipeline.privacy.masking.postcode import mask_postcodes
from pipeline.privacy.masking.scan import SEP, SPACES, Scan, ascii_separators

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


# --- pre-checks -------------------------------------------------------------------------------

# A run of digits with separators: phone numbers, BSNs and IBAN account parts all contain one
# with at least eight digits (six for the IBAN window test); most texts have none.
_LONG_RUN = re.compile(rf"\d[\d.()/{SEP}]{{6,}}\d")
_DIGIT = re.compile(r"\d")
_ASCII_DIGITS = "0123456789"
_IBAN_HEAD = re.compile(rf"(?<!\w)(?:[A-Za-z]{{2}}|[A-Z]{{2}}[{SPACES}])\d{{2}}")
_IBAN_LOOKBACK = 12


def _has_phone_start(text: str, start: int, run: str) -> bool:
    run = ascii_separators(run)
    return (
        run[0] == "0"
        or " 0" in run
        or "(0" in run
        or "/0" in run
        or (start > 0 and text[start - 1] in "+(")
        or text[max(0, start - 2) : start] == "+ "
        or run.startswith(E164_WITHOUT_PLUS)
    )


def _may_hold_email(text: str) -> bool:
    """An "@", URL-encoded or spelled out against spam ("info(at)example.nl")."""
    if "@" in text or "%40" in text:
        return True
    return ("(" in text or "[" in text or "{" in text) and bool(at_marks(text))


def _has_digit(text: str) -> bool:
    """``_DIGIT.search(text) is not None``, without the regex scan on ASCII text (most text)."""
    for digit in _ASCII_DIGITS:
        if digit in text:
            return True
    return not text.isascii() and _DIGIT.search(text) is not None


def mask_text(text: str) -> MaskResult:
    """Replace every identifier in ``text``; see the package docstring for what counts."""
    has_email = _may_hold_email(text)
    if not has_email and not _has_digit(text):
        return MaskResult(text, _EMPTY)
    scan = Scan()
    if has_email:
        text = mask_emails(text, scan)
    if not _has_digit(text):
        # Every detector but the e-mail one needs a digit (numbers, house numbers, postcodes),
        # and most messages have none: skip their scans.
        return MaskResult(text, MappingProxyType(scan.found) if scan.found else _EMPTY)
    runs = [(m.start(), m.group(0)) for m in _LONG_RUN.finditer(text)]
    if runs:
        original = text
        if any(_IBAN_HEAD.search(original, max(0, at - _IBAN_LOOKBACK), at + 2) for at, _ in runs):
            text = mask_ibans(text, scan)
        if any(_has_phone_start(original, at, run) for at, run in runs):
            text = mask_phones(text, scan)
        text = mask_bsns(text, scan)
    text = mask_addresses(text, scan)
    text = mask_postcodes(text, scan)
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
