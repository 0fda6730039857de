"""Six-character postcodes ("1234 AB") are cut to their four digits; with a house number glued
to them ("1234AB12") they are an address and become ``[ADRES]``.

The four digits are coarse enough to be kept (see docs/privacy.md); the first one seen is handed
to the normaliser as ``MaskResult.postcode4``. ``is_postcode`` also decides for the postcode in
a street address (see ``address``).
"""

from __future__ import annotations

import re

from pipeline.privacy.masking.scan import ADDRESS, POSTCODE, Scan

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


def is_postcode(letters: str, space: str, before: str) -> bool:
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


def _postcode_replacement(match: re.Match[str], text: str, scan: Scan) -> str:
    digits, space, letters, house_number = match.groups()
    start = match.start()
    if start and (text[start - 1].isalnum() or text[start - 1] in "_€$"):
        return match.group(0)
    if not is_postcode(letters, space, text[max(0, start - _POSTCODE_LABEL_CHARS) : start]):
        return match.group(0)
    scan.saw_postcode(digits)
    if house_number:
        return scan.hit(ADDRESS)
    scan.found[POSTCODE] = scan.found.get(POSTCODE, 0) + 1
    return str(digits)


def mask_postcodes(text: str, scan: Scan) -> str:
    """Cut postcodes to four digits; a postcode with its house number becomes ``[ADRES]``."""
    return _POSTCODE.sub(lambda m: _postcode_replacement(m, text, scan), text)
