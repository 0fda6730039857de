"""What every detector shares: the kinds and their placeholders, the per-call scan state, the
separators found inside numbers, and the checks on the text around a number.

Phone numbers, BSNs and IBANs are all runs of digits that people group in the same ways and that
sit next to the same other numbers (dates, times, case numbers), so the separators and the
boundary and context checks live here once rather than in each detector.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

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


class Scan:
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
SPACES = " \u00a0\u2007\u2009\u202f"
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2212-"
SEP = SPACES + DASHES  # for character classes: the ASCII hyphen comes last
_TO_ASCII = str.maketrans(dict.fromkeys(SPACES[1:], " ") | dict.fromkeys(DASHES[:-1], "-"))
_SEP_CHARS = frozenset(SEP)


def ascii_separators(text: str) -> str:
    """``text`` with typographic spaces and dashes as " " and "-", one character for one."""
    return text if text.isascii() else text.translate(_TO_ASCII)


# --- around a number ----------------------------------------------------------------------------

NON_DIGIT = re.compile(r"\D")
_NON_BOUNDARY = frozenset("_+.,/:-")
# A date at the start of a candidate ("03-04-2024 09:15", "01-02-2024 0612345678") is a date.
DATE_START = re.compile(
    rf"(?:0?[1-9]|[12]\d|3[01])([./{DASHES}])(?:0?[1-9]|1[0-2])\1(?:19|20)\d\d(?!\d)"
)
# A valid phone number or BSN right after the label of another kind of number ("factuur",
# "kenmerk", "RSIN", ...) in the ``CONTEXT_CHARS`` before it is that other number.
OTHER_NUMBER_LABEL = re.compile(
    r"(?i)(?:factuur|kenmerk|zaak|dossier|order|referentie|\bref\b|klantnummer|debiteur|polis"
    r"|contract|ticket|melding|aanvraag|registratie|relatienummer|volgnummer|invoice|case|rsin"
    r"|kvk)"
)
CONTEXT_CHARS = 30


def starts_token(text: str, start: int, also: frozenset[str] = _NON_BOUNDARY) -> bool:
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
