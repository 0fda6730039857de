"""The compiled core's text handling equals Python's: words (regular expressions) and numbers."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.tagging import native
from pipeline.tagging.data import load_labelled
from pipeline.tagging.text import normalise, tokenise_in_python

LABELLED = Path(__file__).resolve().parents[2] / "data" / "labelled"

pytestmark = pytest.mark.skipif(
    native.tokenise is None, reason=f"compiled core: {native.describe()}"
)  # test_fast_path.py::test_compiled_core_is_built_in_ci fails CI when it is missing


def _compiled(text: str) -> list[str]:
    return list(native.tokenise(text, normalise))


def test_same_words_on_every_labelled_text() -> None:
    for name in ("dev", "train"):
        for row in load_labelled(LABELLED / f"{name}.jsonl"):
            for text in (row.text, f"{row.subject}. {row.text}"):
                assert _compiled(text) == tokenise_in_python(text), text


@pytest.mark.parametrize(
    "text",
    [
        "",
        "[",
        "]",
        "[]",
        "[E-MAIL]",
        "[e-mail]",
        "[abc",
        "[ab1]",
        "x[ABC]y",
        "[[ABC]]",
        "Mail naar [E-MAIL] of bel [TELEFOON]!",
        "HTTP://Voorbeeld.nl/pad en http://voorbeeld.nl/pad",
        "www.gemeente.nl #OnzeWijk @gemeente @a@b.nl",
        "Café één coöperatie naïef ÆØÅ ß ﬁets",
        "emoji 🚲🗑️ and 😀text",
        "tab\tnew\nline\u00a0nbsp",
        "A1B2 c3-d4 e_f g.h 1,5",
        "İstanbul ǅemal",
        "[A-]",
        "[-A]",
        "[A-b]",
        "[Ab]",
        "[A1]",
        "[ab-c]",
        "[[EMAIL]",
        "[ab[CD]]",
        "x[E-MAIL]y",
        "[E-MAIL][TELEFOON]",
        "Bel [TELEFOON] of mail [E-MAIL], BSN [BSN].",
    ],
)
def test_same_words_on_edge_cases(text: str) -> None:
    assert _compiled(text) == tokenise_in_python(text)


_PIECES = st.one_of(
    st.sampled_from(list("aZ09[]@#./:-_ hwtpéÉß")),
    st.sampled_from(
        ["http://", "www.", "[E-MAIL]", "[ab]", "[Ab]", "[A-", "-]", "[TELEFOON]", "#Tag", "@naam"]
    ),
    st.sampled_from(list("[]-ABZabz09 ")),  # brackets, dashes and letters: placeholders or not
    st.characters(),
)


@settings(max_examples=1500, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_same_words_on_any_text(text: str) -> None:
    assert _compiled(text) == tokenise_in_python(text)


@settings(max_examples=2000, deadline=None)
@given(
    st.one_of(
        st.floats(allow_nan=True, allow_infinity=True),
        st.floats(min_value=-100, max_value=100),
        st.integers(-20000, 20000).map(lambda n: n / 1000),  # near decimal ties
        st.integers(-2000, 2000).map(lambda n: n / 200),  # exact binary ties (x.x5, x.xx5)
    ),
    st.sampled_from([(1, True), (2, False), (2, True), (0, False)]),
)
def test_reason_numbers_are_written_as_python_formats_them(
    value: float, spec: tuple[int, bool]
) -> None:
    """The compiled core writes the numbers in reasons itself; where it does, the text equals
    ``format``'s (it defers to CPython near ties, for huge values and for nan/inf)."""
    from pipeline.tagging import _native

    places, sign = spec
    written = _native.format_fixed(value, places, sign)
    if written is not None:
        assert written == format(value, f"{'+' if sign else ''}.{places}f")


def test_reason_numbers_at_ties_and_signs() -> None:
    from pipeline.tagging import _native

    assert _native.format_fixed(0.97, 2, False) == "0.97"
    assert _native.format_fixed(-0.04, 1, True) == "-0.0"  # as format(): the sign stays
    assert _native.format_fixed(0.0, 1, True) == "+0.0"
    assert _native.format_fixed(12.96, 1, True) == "+13.0"
    assert _native.format_fixed(0.125, 2, False) is None  # an exact tie: CPython decides
    assert _native.format_fixed(float("nan"), 1, True) is None
