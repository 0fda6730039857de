"""Phone numbers read by ``phonenumbers``, cached per written form.

Parsing and validating one number costs tens of microseconds, and an event often names its
caller's number twice: in the text (masked) and as its party (pseudonymised); callers also call
again. The cache is bounded and lives only in this process's memory, like the event itself.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers

_CACHE_SIZE = 4096


@lru_cache(maxsize=_CACHE_SIZE)
def read_number(text: str, region: str = "NL") -> tuple[phonenumbers.PhoneNumber, bool] | None:
    """The number ``text`` names (national numbers read for ``region``) and whether it is valid;
    None when ``phonenumbers`` cannot read it. Callers must not change the returned number."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return number, phonenumbers.is_valid_number(number)
