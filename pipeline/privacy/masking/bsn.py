"""BSNs (burgerservicenummers) become ``[BSN]``; only numbers that pass the 11-test.

Nine digits in the usual spellings anywhere in the text, and, right after a BSN label, nine
digits in any grouping or eight (a BSN that lost its leading zero). A valid number after the
label of another kind of number (invoice, case, RSIN, ...) is that number and stays.
"""

from __future__ import annotations

import re

from stdnum.nl import bsn as stdnum_bsn

from pipeline.privacy.masking.scan import (
    BSN,
    CONTEXT_CHARS,
    DASHES,
    DATE_START,
    NON_DIGIT,
    OTHER_NUMBER_LABEL,
    SEP,
    SPACES,
    Scan,
    starts_token,
)

_BSN = re.compile(
    # nine digits in one block may stand before another number ("123456782 123456782"): a
    # grouped spelling followed by a space and digits may be part of a longer grouped number
    rf"\d(?:\d{{8}}(?![\w:]|[.,/{DASHES}]\d)"
    rf"|(?:\d{{3}}([.{SEP}])\d{{2}}\1\d{{3}}|\d{{2}}([.{SEP}])\d{{3}}\2\d{{3}}"
    rf"|\d([.{SPACES}])\d{{3}}\3\d{{2}}\3\d{{2}}|\d{{7}}[{DASHES}]\d)"
    rf"(?![\w:]|[.,/{SEP}]\d))"
)
# Right after a BSN label, nine digits in any grouping ("87 77 08 952", "bsn123456782") and eight
# digits (a BSN that lost its leading zero) in the usual groupings; an 8-digit date is not one.
_BSN_LABELLED = re.compile(
    r"(?i)(?:bsn|burger\s?service\s?n(?:umme)?r|sofi-?nummer)[^\d\n]{0,20}?(?<![\d.,/])(?<!\d-)"
    rf"(\d(?:[.{SEP}]?\d){{8}}|\d{{8}}|\d{{4}}[.{SPACES}]\d{{4}}"
    rf"|\d{{3}}[.{SPACES}]\d{{2}}[.{SPACES}]\d{{3}})"
    rf"(?![.{SEP}]?\d|[,/]\d)"
)
_BSN_LABELS = ("bsn", "burgerservice", "burger service", "sofi")


def _bsn_replacement(match: re.Match[str], text: str, scan: Scan) -> str:
    raw = match.group(0)
    if not starts_token(text, match.start()) and not _after_a_number(text, match.start(), raw):
        return raw
    if not stdnum_bsn.is_valid(NON_DIGIT.sub("", raw)):
        return raw
    before = text[max(0, match.start() - CONTEXT_CHARS) : match.start()]
    if OTHER_NUMBER_LABEL.search(before) and not _has_bsn_label(before):
        return raw
    return scan.hit(BSN)


def _after_a_number(text: str, start: int, raw: str) -> bool:
    """Nine digits in one block after another number and a space ("12-03 123456782") are a
    number of their own; a grouped one may be the tail of a longer grouped number."""
    return raw.isdigit() and text[start - 1] in SPACES and text[start - 2].isdigit()


def _has_bsn_label(text: str) -> bool:
    lower = text.lower()
    return any(label in lower for label in _BSN_LABELS)


def _labelled_bsn_replacement(match: re.Match[str], scan: Scan) -> str:
    digits = NON_DIGIT.sub("", match.group(1))
    if not stdnum_bsn.is_valid(digits.zfill(9)) or DATE_START.match(match.group(1)):
        return match.group(0)
    start = match.start(1) - match.start(0)
    return match.group(0)[:start] + scan.hit(BSN)


def _is_placeholder(text: str, at: int) -> bool:
    """The "BSN" at ``at`` is the "[BSN]" of a number masked before, not a label."""
    return at > 0 and text[at - 1] == "[" and text.startswith("BSN]", at)


def mask_bsns(text: str, scan: Scan) -> str:
    """Replace valid BSNs: every nine-digit spelling first, then what follows each BSN label."""
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
