"""Keyed pseudonyms for parties, stable across channels.

A citizen who calls from ``06-12345678`` and later writes from ``+31 6 1234 5678`` must get the
same party key, or the feed cannot show that one person used two channels. So the identifier is
first brought to a canonical form (E.164 phone, lower-case e-mail, 9-digit BSN, compact IBAN,
lower-case handle) and then hashed with HMAC-SHA256 under a secret key. Without the key a
pseudonym cannot be reversed by trying all phone numbers; with it, it can, so the key stays
outside Kafka. The key id is part of every pseudonym (``k1:...``) so consumers see a rotation.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import Literal, Protocol

import phonenumbers
from stdnum import iban as stdnum_iban
from stdnum.nl import bsn as stdnum_bsn

from pipeline.errors import SamenspelError
from pipeline.privacy.phone_numbers import read_number

Kind = Literal["phone", "email", "bsn", "handle", "iban", "other"]
KINDS: tuple[Kind, ...] = ("phone", "email", "bsn", "handle", "iban", "other")

MIN_KEY_BYTES = 16
_HEX_CHARS = 32
_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,16}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^@[^@\s]+(?:@[^@\s]+)?$")
_PHONE_CHARS = re.compile(r"^[+(]?[\d\s().\-/]{6,}$")
_NON_DIGIT = re.compile(r"\D")


class _HasPseudonymKey(Protocol):
    @property
    def pseudonym_key(self) -> str | None: ...

    @property
    def pseudonym_key_id(self) -> str: ...


def generate_dev_key() -> str:
    """A fresh random key (URL-safe text, 32 bytes of entropy) for SAMENSPEL_PSEUDONYM_KEY."""
    return secrets.token_urlsafe(32)


def random_run_key() -> bytes:
    """A throw-away key for a single run: pseudonyms are consistent only within that run."""
    return secrets.token_bytes(32)


def _canonical_phone(identifier: str) -> str | None:
    read = read_number(identifier)
    if read is None or not read[1]:
        return None
    return phonenumbers.format_number(read[0], phonenumbers.PhoneNumberFormat.E164)


def _canonical_bsn(identifier: str) -> str | None:
    digits = _NON_DIGIT.sub("", identifier)
    if not digits or len(digits) > 9:
        return None
    digits = digits.zfill(9)
    return digits if stdnum_bsn.is_valid(digits) else None


def _canonical_iban(identifier: str) -> str | None:
    compact = stdnum_iban.compact(identifier)
    return compact if stdnum_iban.is_valid(compact) else None


def _canonical_handle(identifier: str) -> str:
    handle = identifier.strip().lower()
    return "@" + handle.lstrip("@")


def canonical_form(identifier: str, kind: Kind | None = None) -> tuple[Kind, str]:
    """The kind and canonical text of an identifier; ``kind=None`` detects it.

    A declared kind that does not fit (a phone that is not a valid number) falls back to the
    stripped text under kind ``other``, so nothing is silently merged with a real number.
    """
    text = identifier.strip()
    if not text:
        raise SamenspelError("cannot pseudonymise an empty identifier")
    if kind is not None and kind not in KINDS:
        raise SamenspelError(
            f"unknown identifier kind {kind!r}; expected one of {', '.join(KINDS)}"
        )
    if kind in (None, "bsn") and (kind == "bsn" or _NON_DIGIT.sub("", text) == text):
        bsn = _canonical_bsn(text)
        if bsn is not None:
            return "bsn", bsn
    if kind in (None, "handle") and (kind == "handle" or _HANDLE.match(text)):
        return "handle", _canonical_handle(text)
    if kind in (None, "email") and _EMAIL.match(text):
        return "email", text.lower()
    if kind in (None, "phone") and (kind == "phone" or _PHONE_CHARS.match(text)):
        phone = _canonical_phone(text)
        if phone is not None:
            return "phone", phone
    if kind in (None, "iban"):
        iban = _canonical_iban(text)
        if iban is not None:
            return "iban", iban
    return "other", text


class Pseudonymiser:
    """HMAC-SHA256 pseudonyms ``<key_id>:<32 hex>`` over canonical identifiers."""

    __slots__ = ("_key", "key_id")

    def __init__(self, key: bytes | str, key_id: str = "k1") -> None:
        raw = key.encode() if isinstance(key, str) else bytes(key)
        if len(raw) < MIN_KEY_BYTES:
            raise SamenspelError(
                f"pseudonym key is {len(raw)} bytes; use at least {MIN_KEY_BYTES} "
                "(generate one with `samenspel privacy new-key`)"
            )
        if not _KEY_ID.match(key_id):
            raise SamenspelError(f"bad pseudonym key id {key_id!r}: use 1-16 of A-Z a-z 0-9 _ -")
        self._key = raw
        self.key_id = key_id

    @classmethod
    def from_settings(cls, settings: _HasPseudonymKey) -> Pseudonymiser:
        """Build from SAMENSPEL_PSEUDONYM_KEY / SAMENSPEL_PSEUDONYM_KEY_ID."""
        if settings.pseudonym_key is None:
            raise SamenspelError(
                "no pseudonym key configured: set SAMENSPEL_PSEUDONYM_KEY to a secret of at "
                "least 16 bytes (e.g. `samenspel privacy new-key`) and keep it out of Kafka"
            )
        return cls(settings.pseudonym_key, settings.pseudonym_key_id)

    def pseudonym(self, identifier: str, kind: Kind | None = None) -> str:
        """The pseudonym of ``identifier``; the same person gets the same value on every channel."""
        found_kind, canonical = canonical_form(identifier, kind)
        message = f"{found_kind}:{canonical}".encode()
        digest = hmac.new(self._key, message, hashlib.sha256).hexdigest()
        return f"{self.key_id}:{digest[:_HEX_CHARS]}"

    def __repr__(self) -> str:
        return f"Pseudonymiser(key_id={self.key_id!r}, key=<hidden>)"
