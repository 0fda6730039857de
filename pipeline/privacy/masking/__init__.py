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

This module is the public API. One module per kind of identifier (``email``, ``iban``,
``phone``, ``bsn``, ``address``, ``postcode``) finds and replaces it; ``scan`` holds what they
share (the kinds and placeholders, the per-call counts, separators and number boundaries), and
``mask`` decides which of them run on a text and in which order.
"""

from pipeline.privacy.masking.mask import MaskResult, mask_text, mask_value
from pipeline.privacy.masking.scan import (
    ADDRESS,
    BSN,
    EMAIL,
    IBAN,
    PHONE,
    PLACEHOLDERS,
    POSTCODE,
)

__all__ = [
    "ADDRESS",
    "BSN",
    "EMAIL",
    "IBAN",
    "PHONE",
    "PLACEHOLDERS",
    "POSTCODE",
    "MaskResult",
    "mask_text",
    "mask_value",
]
