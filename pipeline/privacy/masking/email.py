"""E-mail addresses (and fediverse handles "@user@host") become ``[E-MAIL]``.

The only detector that needs no digit; ``mask_text`` runs it first, and only on text that holds
an "@" or one of its spellings (see ``at_marks``).
"""

from __future__ import annotations

import re

from pipeline.privacy.masking.scan import EMAIL, Scan

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


def at_marks(text: str) -> list[int]:
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


def mask_emails(text: str, scan: Scan) -> str:
    """Replace every address, trying the pattern only where an "@" (or its spelling) stands."""
    out: list[str] = []
    last = 0
    for at in at_marks(text):
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
