"""The compiled tokeniser gives exactly the words of the Python one (regular expressions)."""

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
    ],
)
def test_same_words_on_edge_cases(text: str) -> None:
    assert _compiled(text) == tokenise_in_python(text)


_PIECES = st.one_of(
    st.sampled_from(list("aZ09[]@#./:-_ hwtpéÉß")),
    st.sampled_from(["http://", "www.", "[E-MAIL]", "[ab]", "#Tag", "@naam", "HTTP"]),
    st.characters(),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_same_words_on_any_text(text: str) -> None:
    assert _compiled(text) == tokenise_in_python(text)
