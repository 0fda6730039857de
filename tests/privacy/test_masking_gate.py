"""The digit gate of mask_text skips only scans that cannot find anything without a digit."""

from __future__ import annotations

from types import MappingProxyType

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.privacy import mask_text
from pipeline.privacy.masking import mask as m
from pipeline.privacy.masking.address import mask_addresses
from pipeline.privacy.masking.bsn import mask_bsns
from pipeline.privacy.masking.email import mask_emails
from pipeline.privacy.masking.iban import mask_ibans
from pipeline.privacy.masking.phone import mask_phones
from pipeline.privacy.masking.postcode import mask_postcodes
from pipeline.privacy.masking.scan import Scan


def _ungated(text: str) -> m.MaskResult:
    """mask_text as it was before the gate: every detector runs on every text."""
    scan = Scan()
    text = mask_emails(text, scan)
    runs = [(found.start(), found.group(0)) for found in m._LONG_RUN.finditer(text)]
    if runs:
        original = text
        if any(m._IBAN_HEAD.search(original, max(0, at - 12), at + 2) for at, _ in runs):
            text = mask_ibans(text, scan)
        if any(m._has_phone_start(original, at, run) for at, run in runs):
            text = mask_phones(text, scan)
        text = mask_bsns(text, scan)
    text = mask_addresses(text, scan)
    text = mask_postcodes(text, scan)
    return m.MaskResult(text, MappingProxyType(scan.found), scan.postcode4)


WORDS = st.sampled_from(
    ["Kerkstraat", "Laan", "van", "Meerdervoort", "bsn", "tel", "jan@example.nl", "@buurt",
     "AB", "KL", "Utrecht", "straat", "NL91", "ABNA", "€", "١٢٣٤", "٥", "Z-2024", "+31", "06-",
     "info(at)buurt.nl", "(AT)", "[at]", "%40", "jan%40x.nl", "\u00a0", "\u2013", "Rokin", "Adres:"]
)  # fmt: skip
TEXTS = st.lists(st.one_of(WORDS, st.text(max_size=8)), max_size=14).map(" ".join)


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_gated_masking_equals_running_every_detector(text: str) -> None:
    """With or without digits (ASCII or not) or an "@" (plain, URL-encoded or spelled "(at)"),
    the gate changes no text, count or postcode."""
    gated, full = mask_text(text), _ungated(text)
    assert (gated.text, dict(gated.found), gated.postcode4) == (
        full.text,
        dict(full.found),
        full.postcode4,
    )
