"""The cached fast path of Tagger.tag gives exactly what the step-by-step reference path gives."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from pipeline.errors import SamenspelError
from pipeline.tagging import Tagger, native
from pipeline.tagging.data import load_labelled
from pipeline.tagging.model import LinearModel, features, stem_features

LABELLED = Path(__file__).resolve().parents[2] / "data" / "labelled"
DEV = LABELLED / "dev.jsonl"
TRAIN = LABELLED / "train.jsonl"


def _compare(tagger: Tagger, text: str, channel: str, subject: str | None) -> None:
    tags = tagger.tag(text, channel=channel, subject=subject)
    analysis = tagger.analyse(text, channel=channel, subject=subject)
    decision = tagger.decide(analysis)
    labels = [tagger._heads[i].split(" = ")[1] for i in decision.winners]
    assert [tags.perspective.value, tags.citizen_role.value, tags.municipality_role.value] == labels
    assert tags.confidence == pytest.approx(decision.confidence, rel=1e-9, abs=1e-12)
    assert tags.reasons == tagger.explain(analysis, decision)


@pytest.fixture(params=["compiled", "python"])
def fast_tagger(request: pytest.FixtureRequest, tagger: Tagger) -> Tagger:
    """A tagger on the compiled core, or on the Python fast path that stands in without it."""
    fresh = Tagger(tagger.rules, tagger.model)
    if request.param == "python":
        fresh._native = None
    else:
        assert fresh._native is not None, f"compiled core missing: {native.describe()}"
    return fresh


def test_compiled_core_is_built_in_ci() -> None:
    """CI installs with a C compiler: the compiled core must be there, not silently replaced
    by the slower Python path (outside CI a machine without a compiler may lack it)."""
    if os.environ.get("CI"):
        assert native.Scorer is not None, native.describe()
    assert native.describe() in {"compiled"} or native.describe().startswith("python (")


def test_fast_path_matches_reference_on_dev_and_train(fast_tagger: Tagger) -> None:
    """On every dev and train text the cached path gives the reference path's labels,
    confidence and reasons, with and without the subject."""
    for row in [*load_labelled(DEV), *load_labelled(TRAIN)]:
        _compare(fast_tagger, row.text, row.channel.value, row.subject)
        _compare(fast_tagger, row.text, row.channel.value, None)


def test_fast_path_matches_reference_on_unusual_texts(fast_tagger: Tagger) -> None:
    """Texts unlike the labelled ones: empty, one word, a word repeated, phrases at the very
    end, very long, only placeholders, numbers and unknown words."""
    dev = load_labelled(DEV)
    texts = [
        "",
        "!!!",
        "paspoort",
        "paspoort " * 200,
        "ik wil graag een afspraak maken",
        "afspraak maken afspraak maken",
        "[E-MAIL] [TELEFOON] [BSN]",
        "12345 678 9",
        "qwxz blorf snirp " * 30,
        " ".join(row.text for row in dev[:60]),
        dev[0].text + " " + dev[0].text,
    ]
    for text in texts:
        for channel in ("phone", "web", "social"):
            _compare(fast_tagger, text, channel, None)


def test_reasons_name_the_earliest_of_equal_contributions_towards_the_label(
    tagger: Tagger,
) -> None:
    """Model words of equal weight are named in message order, as a stable sort names them;
    words that count against the label are not named."""
    decision = tagger.decide(tagger.analyse("paspoort", channel="web"))
    vector = [0.0] * len(decision.score)
    vector[decision.winners[0]] = 0.5
    rows = [
        tagger._add_row(v, v, name)
        for name, v in zip("abcd", [vector, [-v for v in vector], vector, vector], strict=True)
    ]
    reasons = tagger._reasons("web", [], tagger._model_shares(rows, decision), decision)
    assert [r for r in reasons if " model: " in r] == [
        "perspective model: 'a' +0.5, 'c' +0.5, 'd' +0.5"
    ]


def test_both_cores_name_the_earliest_of_equal_contributions(fast_tagger: Tagger) -> None:
    """Four words of equal weight towards one label: the first three in message order are
    named; a word that counts against the label is not."""
    from pipeline.tagging.tagger import _Word

    decision = fast_tagger.decide(fast_tagger.analyse("paspoort", channel="web"))
    label = decision.winners[0]
    vector = [0.0] * len(decision.score)
    vector[label] = 0.5
    against = [-v for v in vector]
    next_id = len(fast_tagger._fixed_stem_ids) + 100_000  # far from any id the tagger gives
    for k, (word, row) in enumerate(
        zip(["qa", "qb", "qc", "qd", "qe"], [vector, against, vector, vector, vector], strict=True)
    ):
        index = fast_tagger._add_row(row, row, word)
        fast_tagger._words[word] = _Word(f"stem-{word}", index, (), next_id + k)
    tags = fast_tagger.tag("qa qb qc qd qe", channel="web")
    assert tags.perspective == fast_tagger._perspectives[label]
    assert next(r for r in tags.reasons if " model: " in r) == (
        "perspective model: 'qa' +0.5, 'qc' +0.5, 'qd' +0.5"
    )


@pytest.mark.parametrize(
    "update",
    [{"joint": 0.75}, {"joint": 0.0}, {"joint": 0.0, "coherence": 1.0}, {"coherence": 0.5}],
)
@pytest.mark.parametrize("core", ["compiled", "python"])
def test_fast_path_matches_reference_with_other_decoding(
    tagger: Tagger, update: dict[str, float], core: str
) -> None:
    """With joint decoding stronger or off, and with coherence bonuses, both paths agree."""
    weights = tagger.rules.weights.model_copy(update=update)
    coherence = {
        "citizen_role": {"buurten": {"betrokkene": 1.5, "initiatiefnemer": 0.8}},
        "municipality_role": {"bestuur_en_organisatie": {"informeren": 1.2}},
    }
    rules = tagger.rules.model_copy(update={"weights": weights, "coherence": coherence})
    other = Tagger(rules, tagger.model)
    assert other._coherence
    if core == "python":
        other._native = None
    for row in load_labelled(DEV)[:120]:
        _compare(other, row.text, row.channel.value, row.subject)


def test_second_call_is_served_from_the_word_cache(tagger: Tagger) -> None:
    """Tagging the same text twice gives equal tags, the second time without new word analyses."""
    text = "De lantaarnpaal in de Zonnebloemstraat is al een week kapot"
    first = tagger.tag(text, channel="web")
    before = tagger._words.misses
    second = tagger.tag(text, channel="web")
    assert first == second
    assert tagger._words.misses == before


def test_stem_vector_equals_scoring_its_features(tagger: Tagger) -> None:
    """A stem's cached vector is the model's score of that stem's own features."""
    model = tagger.model
    zero = [0.0] * len(model.bias)
    for stem in ["buurtfeest", "paspoort", "windmolen", "onbekendwoordxyz"]:
        feats = features([stem], "web")
        del feats["ch:web"]
        expected = [s - b for s, b in zip(model.scores(feats, zero), model.bias, strict=True)]
        assert list(model.stem_vector(stem)) == pytest.approx(expected)
        assert f"w:{stem}" in stem_features(stem)


def test_old_model_format_is_a_clear_error(tmp_path: Path) -> None:
    """A format-1 artefact is refused with a message that says to retrain."""
    path = tmp_path / "model.json"
    path.write_text('{"format": 1, "labels": {}, "bias": [], "weights": {}}', encoding="utf-8")
    with pytest.raises(SamenspelError, match=r"model\.json: unsupported format 1 .*retrain"):
        LinearModel.load(path)


@pytest.mark.parametrize("core", ["compiled", "python"])
def test_a_full_row_table_is_reset_between_messages_with_the_same_tags(
    tagger: Tagger, core: str
) -> None:
    """When the word rows reach their bound, they are dropped before the next message, never in
    the middle of one: tags stay those of a fresh tagger, the fixed rows survive (and the row
    matrices, grown or not, are the ones the compiled core reads)."""
    small = Tagger(tagger.rules, tagger.model)
    if core == "python":
        small._native = None
    small._rows.max_rows = small._rows.fixed + 5  # a few words only
    rows = load_labelled(DEV)[:40]
    for row in rows:
        assert small.tag(row.text, channel=row.channel.value, subject=row.subject) == tagger.tag(
            row.text, channel=row.channel.value, subject=row.subject
        )
    assert small._rows.resets >= 10
    assert small._rows.size - small._rows.fixed < 200


def test_reasons_name_model_words_as_written_not_their_stems(tagger: Tagger) -> None:
    """A person reads 'inkomen' and 'korting', not the stems 'inkoom' and 'kort'; a bigram is
    named by its first two words in the message."""
    from pipeline.tagging.tagger import _pair_words

    text = "mw vraagt of ze met de stadspas korting krijgt, heeft een laag inkomen"
    model_lines = [r for r in tagger.tag(text, channel="phone").reasons if " model: " in r]
    named = " ".join(model_lines)
    assert "'inkomen'" in named and "'korting'" in named
    assert "'inkoom'" not in named and "'kort'" not in named
    words = ["de", "containers", "werden", "niet", "geleegd"]
    stems = ["de", "container", "werd", "niet", "geleegd"]
    assert _pair_words(("werd", "niet"), words, stems) == "werden niet"
    assert _pair_words(("x", "y"), words, stems) == "x y"


@pytest.mark.parametrize("core", ["compiled", "python"])
def test_threads_sharing_a_tagger_get_the_tags_of_one_thread(tagger: Tagger, core: str) -> None:
    """Tagging from several threads at once (new words analysed in Python let other threads run,
    and a small row table is reset often) gives each message the tags a lone tagger gives."""
    import threading

    shared = Tagger(tagger.rules, tagger.model)
    shared._rows.max_rows = shared._rows.fixed + 50
    if core == "python":
        shared._native = None
    rows = load_labelled(DEV)[:160]
    expected = [tagger.tag(r.text, channel=r.channel.value, subject=r.subject) for r in rows]
    failures: list[str] = []

    def work(offset: int) -> None:
        for k in range(len(rows)):
            i = (k + offset) % len(rows)
            got = shared.tag(rows[i].text, channel=rows[i].channel.value, subject=rows[i].subject)
            if got != expected[i]:
                failures.append(rows[i].text)

    threads = [threading.Thread(target=work, args=(40 * n,)) for n in range(4)]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)  # switch threads often (without the tagger's lock: a crash)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert not failures, failures[:3]


def _vocabulary(tagger: Tagger) -> list[str]:
    """Words that reach every branch: lexicon words and phrases, bigram words, placeholders."""
    words = {entry.text for entry in tagger.matcher.entries}
    words |= {stem for pair in tagger._bigram_keys for stem in pair}
    words |= {"[E-MAIL]", "[TELEFOON]", "[BSN]", "#OnzeWijk", "@gemeente", "https://x.nl/a"}
    return sorted(words)


@pytest.mark.parametrize("core", ["compiled", "python"])
def test_fast_path_matches_reference_on_random_word_salad(tagger: Tagger, core: str) -> None:
    """Random messages of lexicon words, phrases, bigram words, placeholders, punctuation and
    stray characters, in any order: both paths give the reference's tags and reasons."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    fast = Tagger(tagger.rules, tagger.model)
    if core == "python":
        fast._native = None
    pieces = st.one_of(
        st.sampled_from(_vocabulary(tagger)),
        st.sampled_from([" ", ", ", ". ", "!", "-", "é", "Ü", "😀", "\n"]),
        st.text(max_size=4),
    )

    @settings(max_examples=300, deadline=None)
    @given(
        st.lists(pieces, max_size=30).map(" ".join),
        st.sampled_from(["phone", "web", "social", "counter", "neighbourhood"]),
        st.one_of(st.none(), st.sampled_from(["Afval", "paspoort aanvragen", ""])),
    )
    def check(text: str, channel: str, subject: str | None) -> None:
        _compare(fast, text, channel, subject)

    check()
