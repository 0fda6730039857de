"""Pseudonyms: stable over spellings and channels, keyed, versioned by key id."""

from __future__ import annotations

import re

import pytest

from pipeline.errors import SamenspelError
from pipeline.privacy import Pseudonymiser, canonical_form, generate_dev_key, random_run_key
from pipeline.settings import Settings

KEY = "test-key-0123456789abcdef"


@pytest.fixture
def pseudo() -> Pseudonymiser:
    return Pseudonymiser(KEY, "k1")


def test_phone_spellings_share_a_pseudonym(pseudo: Pseudonymiser) -> None:
    """Every spelling of one phone number maps to the same pseudonym."""
    spellings = [
        "06-12345678",
        "06 1234 5678",
        "+31 6 1234 5678",
        "+31(0)6-12345678",
        "0031612345678",
    ]
    assert len({pseudo.pseudonym(s) for s in spellings}) == 1
    assert pseudo.pseudonym("06-12345678") != pseudo.pseudonym("06-12345679")


def test_detected_kind_equals_declared_kind(pseudo: Pseudonymiser) -> None:
    """Detection gives the same pseudonym as declaring the kind."""
    assert pseudo.pseudonym("06-12345678") == pseudo.pseudonym("06-12345678", "phone")
    assert pseudo.pseudonym(" Jan@X.NL") == pseudo.pseudonym("jan@x.nl", "email")
    assert pseudo.pseudonym("12345672") == pseudo.pseudonym("012345672", "bsn")
    assert pseudo.pseudonym("nl91 abna 0417 1643 00") == pseudo.pseudonym("NL91ABNA0417164300")


def test_canonical_forms() -> None:
    """Identifiers are normalised before hashing."""
    assert canonical_form("+31 (0)20 123 4567") == ("phone", "+31201234567")
    assert canonical_form("@Jan@Mastodon.Social") == ("handle", "@jan@mastodon.social")
    assert canonical_form("Jan", "handle") == ("handle", "@jan")
    assert canonical_form("123.456.782") == ("other", "123.456.782")
    assert canonical_form("123.456.782", "bsn") == ("bsn", "123456782")


def test_format_and_key_id(pseudo: Pseudonymiser) -> None:
    """A pseudonym is the key id, a colon and 32 hex characters."""
    assert re.fullmatch(r"k1:[0-9a-f]{32}", pseudo.pseudonym("06-12345678"))
    assert Pseudonymiser(KEY, "k2").pseudonym("x").startswith("k2:")


def test_different_key_different_pseudonym(pseudo: Pseudonymiser) -> None:
    """Another key gives an unrelated pseudonym for the same identifier."""
    other = Pseudonymiser(KEY + "x", "k1")
    assert other.pseudonym("06-12345678") != pseudo.pseudonym("06-12345678")


def test_no_key_is_a_clear_error() -> None:
    """Building from settings without a key names the variable to set."""
    with pytest.raises(SamenspelError, match="SAMENSPEL_PSEUDONYM_KEY"):
        Pseudonymiser.from_settings(Settings(pseudonym_key=None))


def test_short_key_rejected() -> None:
    """Keys shorter than 16 bytes are refused."""
    with pytest.raises(SamenspelError, match="at least 16"):
        Pseudonymiser.from_settings(Settings(pseudonym_key="short"))


def test_from_settings_uses_key_id() -> None:
    """The configured key id ends up in the pseudonym."""
    settings = Settings(pseudonym_key=KEY, pseudonym_key_id="2025a")
    assert Pseudonymiser.from_settings(settings).pseudonym("x").startswith("2025a:")


def test_generated_keys_are_usable_and_random() -> None:
    """Generated keys are long enough and differ every time; repr never shows the key."""
    assert generate_dev_key() != generate_dev_key()
    assert len(random_run_key()) >= 16
    pseudo = Pseudonymiser(generate_dev_key())
    assert KEY not in repr(Pseudonymiser(KEY))
    assert pseudo.pseudonym("x").startswith("k1:")


def test_empty_identifier_and_unknown_kind_rejected(pseudo: Pseudonymiser) -> None:
    """Empty identifiers and unknown kinds raise SamenspelError."""
    with pytest.raises(SamenspelError, match="empty"):
        pseudo.pseudonym("  ")
    with pytest.raises(SamenspelError, match="unknown identifier kind"):
        pseudo.pseudonym("x", "fax")  # type: ignore[arg-type]
