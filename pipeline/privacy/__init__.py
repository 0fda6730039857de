"""Privacy: identifier masking, pseudonyms and log scrubbing (see docs/privacy.md)."""

from pipeline.privacy.log_scrub import scrub_identifiers
from pipeline.privacy.masking import PLACEHOLDERS, MaskResult, mask_text, mask_value
from pipeline.privacy.pseudonym import (
    KINDS,
    Kind,
    Pseudonymiser,
    canonical_form,
    generate_dev_key,
    random_run_key,
)

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "Kind",
    "MaskResult",
    "Pseudonymiser",
    "canonical_form",
    "generate_dev_key",
    "mask_text",
    "mask_value",
    "random_run_key",
    "scrub_identifiers",
]
