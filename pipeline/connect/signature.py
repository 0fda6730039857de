"""Webhook authentication: HMAC-SHA256 signatures, a timestamp window and a replay cache.

Scheme (docs/connectors.md): ``X-Hub-Signature-256: sha256=<hex>`` is the HMAC-SHA256, keyed with
the connector's secret, of ``<ts>.<body>`` when ``X-Samenspel-Timestamp: <ts>`` (unix seconds) is
sent, else of the raw body alone (Meta's scheme, for connectors with ``require_timestamp: false``).
"""

from __future__ import annotations

import hashlib
import hmac
from collections import OrderedDict

SIGNATURE_HEADER = "X-Hub-Signature-256"
TIMESTAMP_HEADER = "X-Samenspel-Timestamp"
PREFIX = "sha256="
WINDOW_S = 300.0


class SignatureError(Exception):
    """The request is not authentic; the message says why (safe to log, no secret in it)."""


def signed_message(body: bytes, timestamp: str | None) -> bytes:
    """What the HMAC covers: ``<ts>.<body>`` with a timestamp, the body alone without."""
    return body if timestamp is None else timestamp.encode() + b"." + body


def sign(secret: bytes, body: bytes, timestamp: str | None = None) -> str:
    """The header value a sender puts in ``X-Hub-Signature-256``."""
    digest = hmac.new(secret, signed_message(body, timestamp), hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(
    secret: bytes,
    body: bytes,
    signature: str | None,
    timestamp: str | None,
    *,
    require_timestamp: bool,
    now: float,
    window: float = WINDOW_S,
) -> None:
    """Raise SignatureError unless the signature is right and the timestamp is recent."""
    if not signature:
        raise SignatureError(f"missing {SIGNATURE_HEADER}")
    if not signature.startswith(PREFIX):
        raise SignatureError(f"{SIGNATURE_HEADER} must start with {PREFIX!r}")
    if timestamp is None:
        if require_timestamp:
            raise SignatureError(f"missing {TIMESTAMP_HEADER}")
    else:
        if not (timestamp.isascii() and timestamp.isdigit()):  # "²".isdigit() is True
            raise SignatureError(f"{TIMESTAMP_HEADER} must be unix seconds")
        if abs(now - int(timestamp)) > window:
            raise SignatureError(f"{TIMESTAMP_HEADER} outside the ±{window:.0f} s window")
    # compare_digest on equal-length ASCII strings takes the same time wherever they differ.
    if not hmac.compare_digest(sign(secret, body, timestamp).encode(), signature.encode()):
        raise SignatureError("signature does not match")


class ReplayCache:
    """Signatures seen within the window: a replayed request is refused, not ingested twice.

    A signature is reserved while its request is being ingested and released if ingesting fails,
    so that the sender's retry of a failed request is accepted.
    """

    def __init__(self, window: float = WINDOW_S, max_entries: int = 100_000) -> None:
        self.window = window
        self.max_entries = max_entries
        self._seen: OrderedDict[str, float] = OrderedDict()

    def reserve(self, signature: str, now: float) -> bool:
        """Remember ``signature``; False if it was seen within the window (a replay)."""
        self._expire(now)
        if signature in self._seen:
            return False
        self._seen[signature] = now + self.window
        while len(self._seen) > self.max_entries:
            self._seen.popitem(last=False)
        return True

    def release(self, signature: str) -> None:
        """Forget ``signature`` so that a retry of a request that failed is accepted."""
        self._seen.pop(signature, None)

    def _expire(self, now: float) -> None:
        # Entries are inserted in time order, so the expired ones are at the front.
        while self._seen:
            signature, expires = next(iter(self._seen.items()))
            if expires > now:
                break
            del self._seen[signature]

    def __len__(self) -> int:
        return len(self._seen)
