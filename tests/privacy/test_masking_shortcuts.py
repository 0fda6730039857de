"""The masking shortcuts answer exactly what the checks they stand in for answer."""

from __future__ import annotations

import re
import string
from pathlib import Path

import stdnum
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import iban as stdnum_iban

from pipeline.privacy import mask_text
from pipeline.privacy.masking import iban
from pipeline.privacy.masking import mask as m

UNICODE_DIGITS = "٠١٢٣٤٥٦٧٨٩０１２３۴߄१৫"


def _stdnum_structures() -> dict[str, str]:
    """Country code -> BBAN structure ("4!a10!n") from the IBAN registry stdnum ships."""
    registry = Path(stdnum.__file__).with_name("iban.dat").read_text(encoding="utf-8")
    return dict(re.findall(r'^([A-Z]{2}) .*?bban="([^"]*)"', registry, flags=re.MULTILINE))


STRUCTURES = _stdnum_structures()
CLASSES = {"n": string.digits, "a": string.ascii_uppercase, "c": string.digits + "ABCXYZ"}


@st.composite
def iban_candidates(draw: st.DrawFn) -> str:
    """IBAN-like strings with correct check digits: valid ones, wrong shapes, unknown countries."""
    country = draw(st.sampled_from([*STRUCTURES, "NL", "NL", "BE", "ES", "XX", "QQ"]))
    spec = STRUCTURES.get(country, "4!a10!n")
    bban = "".join(
        draw(st.text(CLASSES[kind], min_size=int(count), max_size=int(count)))
        for count, kind in re.findall(r"(\d+)!([nac])", spec)
    )
    if draw(st.integers(0, 3)) == 0 and bban:  # a letter where a digit belongs, or the reverse
        at = draw(st.integers(0, len(bban) - 1))
        bban = bban[:at] + ("7" if bban[at].isalpha() else "K") + bban[at + 1 :]
    if draw(st.integers(0, 5)) == 0:
        bban = bban[: draw(st.integers(0, len(bban)))]
    compact = country + stdnum_iban.calc_check_digits(country + "00" + bban) + bban
    if draw(st.booleans()):
        compact = " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
    return compact.lower() if draw(st.booleans()) else compact


def _old_iban_checksum_ok(candidate: str) -> bool:
    """The ISO 7064 check as it was written before the translate table."""
    compact = candidate.replace(" ", "").upper()
    if len(compact) < 15 or not compact.isalnum():
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(char, 36)) for char in moved)) % 97 == 1


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(iban_candidates(), st.text(string.ascii_letters + string.digits + " ٣", max_size=30))
)
def test_iban_checksum_with_translate_table_equals_digit_by_digit(candidate: str) -> None:
    """Letters become their base-36 numbers either way; Unicode digits count as their value."""
    assert iban._iban_checksum_ok(candidate) == _old_iban_checksum_ok(candidate)


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from([*"abc é.-@ ", *string.digits, *UNICODE_DIGITS, "²", "½"])))
def test_has_digit_equals_the_digit_regex(text: str) -> None:
    """ASCII and Unicode decimal digits count, superscripts and fractions do not, as for ``\\d``."""
    assert m._has_digit(text) == (m._DIGIT.search(text) is not None)


def test_mask_result_is_an_immutable_named_tuple() -> None:
    """The result keeps its fields and its ``changed`` flag and cannot be modified."""
    result = mask_text("Bel 06-12345678 terug")
    assert (result.text, dict(result.found), result.postcode4) == (
        "Bel [TELEFOON] terug",
        {"phone": 1},
        None,
    )
    assert result.changed and not mask_text("niets").changed
    try:
        result.text = "x"  # type: ignore[misc]
    except AttributeError:
        pass
    else:
        raise AssertionError("MaskResult can be modified")
