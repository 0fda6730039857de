"""IBANs of any country become ``[IBAN]``; only ones with valid check digits and country format.

A candidate may be grouped with spaces, dots or dashes and be followed by a word, so every prefix
of its groups is tried, the cheap ISO 7064 check first and ``stdnum``'s full check after it.
"""

from __future__ import annotations

import re
import string

from stdnum import iban as stdnum_iban

from pipeline.privacy.masking.scan import IBAN, SEP, SPACES, Scan

# Grouped with spaces, dots or dashes, and "NL 91 ABNA ..." with a space after the country code
# (then only in capitals: "op 12 ..." is no IBAN).
_IBAN = re.compile(
    rf"(?<!\w)[A-Za-z]{{2}}[{SPACES}]?\d{{2}}(?:[.{SEP}]?[A-Za-z0-9]{{1,4}}){{3,8}}\b"
)
_IBAN_STRIP = str.maketrans("", "", "." + SEP)
_IBAN_GROUP = re.compile(r"[A-Za-z0-9]+")
# ISO 7064 writes a letter as its base-36 value ("A" -> "10"); digits stay as they are.
_BASE36 = str.maketrans({letter: str(int(letter, 36)) for letter in string.ascii_uppercase})


def _iban_length(raw: str) -> int | None:
    """Length of the longest prefix of the candidate's groups that is a valid IBAN (a word may
    trail it), or None. It starts with letters, so a number before it ("stap 2 NL91 ...") is no
    reason to doubt it, unlike for phone numbers and BSNs."""
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


def mask_ibans(text: str, scan: Scan) -> str:
    """Replace valid IBANs; a candidate that is none may still hold the start of one
    ("KL12 NL91 ABNA ...": a code, then an IBAN), so the search goes on from its second
    character."""
    out: list[str] = []
    last = pos = 0
    while (match := _IBAN.search(text, pos)) is not None:
        raw = match.group(0)
        length = None if raw[2] in SPACES and not raw[:2].isupper() else _iban_length(raw)
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
