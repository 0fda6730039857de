"""Training is reproducible and the evaluation arithmetic is right."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.errors import SamenspelError
from pipeline.tagging import Tagger, evaluate, evaluate_file
from pipeline.tagging.data import load_labelled
from pipeline.tagging.model import LinearModel
from pipeline.tagging.train import train
from schemas import CitizenRole, MunicipalityRole, Perspective, Tags

ROWS = [
    ("phone", "Ik wil een nieuw paspoort aanvragen", "burgers_en_bedrijven", "klant", "leveren"),
    (
        "web",
        "De lantaarnpaal in onze straat is kapot",
        "burgers_en_bedrijven",
        "gebruiker",
        "leveren",
    ),
    (
        "counter",
        "Vraag over de aanslag rioolheffing",
        "burgers_en_bedrijven",
        "belastingbetaler",
        "leveren",
    ),
    (
        "neighbourhood",
        "We willen een straatfeest organiseren",
        "buurten",
        "initiatiefnemer",
        "faciliteren",
    ),
    (
        "neighbourhood",
        "Wij willen een moestuin aanleggen, kan de gemeente helpen",
        "buurten",
        "initiatiefnemer",
        "faciliteren",
    ),
    (
        "social",
        "Wij zijn tegen de windmolens bij ons dorp",
        "belanghebbenden",
        "belanghebbende",
        "informeren",
    ),
    (
        "social",
        "Grote zorgen over de windmolens en het azc",
        "belanghebbenden",
        "belanghebbende",
        "informeren",
    ),
    (
        "social",
        "Is het waar dat de wethouder gelogen heeft",
        "bestuur_en_organisatie",
        "kiezer",
        "informeren",
    ),
    (
        "social",
        "De wethouder moet opheldering geven",
        "bestuur_en_organisatie",
        "kiezer",
        "informeren",
    ),
]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    """A tiny labelled file in the dev format."""
    path = tmp_path / "tiny.jsonl"
    lines = [
        json.dumps(
            {
                "id": f"t{i}",
                "channel": c,
                "source": "test",
                "text": t,
                "subject": None,
                "perspective": p,
                "citizen_role": cr,
                "municipality_role": mr,
            }
        )
        for i, (c, t, p, cr, mr) in enumerate(ROWS)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_training_is_reproducible(labelled: Path) -> None:
    """Training twice on the same data gives a byte-identical artefact."""
    rows = load_labelled(labelled)
    first, second = train(rows).to_json(), train(rows).to_json()
    assert first == second
    assert len(first) < 1_000_000


def test_trained_model_loads_and_scores(labelled: Path, tmp_path: Path) -> None:
    """A trained artefact round-trips and its hash appears in the tagger version."""
    model = train(load_labelled(labelled))
    path = tmp_path / "model.json"
    path.write_bytes(model.to_json())
    loaded = LinearModel.load(path)
    assert loaded.weights == model.weights
    tagger = Tagger.load(model_path=path)
    assert tagger.version.endswith(f"+model-{loaded.digest}")
    assert any("wethouder" in f for f in loaded.weights)


def test_corrupt_model_is_a_clear_error(tmp_path: Path) -> None:
    """A model file that is not an artefact gives one line naming the file."""
    from pipeline.errors import SamenspelError

    path = tmp_path / "model.json"
    path.write_text('{"format": 1}', encoding="utf-8")
    with pytest.raises(SamenspelError, match=r"model file .*model\.json"):
        LinearModel.load(path)


def _tags(
    perspective: str, citizen: str = "klant", municipality: str = "leveren", confidence: float = 0.9
) -> Tags:
    return Tags(
        perspective=Perspective(perspective),
        citizen_role=CitizenRole(citizen),
        municipality_role=MunicipalityRole(municipality),
        confidence=confidence,
        reasons=[],
        needs_review=confidence < 0.4,
        tagger_version="test",
    )


def test_evaluation_math_by_hand() -> None:
    """Accuracy, macro-F1 and the confusion matrix match a hand computation.

    Gold A A B C, predicted A B B A (A=burgers_en_bedrijven, B=buurten, C=belanghebbenden):
    accuracy 2/4; F1(A)=2*(1/2*1/2)/(1)=0.5, F1(B)=2*(1/2*1)/(3/2)=2/3, F1(C)=0; macro 7/18.
    """
    a, b, c = "burgers_en_bedrijven", "buurten", "belanghebbenden"
    gold = [a, a, b, c]
    predicted = [a, b, b, a]
    rows = [
        (
            _tags(p, confidence=0.3 if i == 0 else 0.9),
            {"perspective": g, "citizen_role": "klant", "municipality_role": "leveren"},
        )
        for i, (g, p) in enumerate(zip(gold, predicted, strict=True))
    ]
    report = evaluate(rows)
    dim = report.dimensions["perspective"]
    assert dim.accuracy == pytest.approx(0.5)
    assert dim.macro_f1 == pytest.approx(7 / 18)
    assert dim.confusion == {a: {a: 1, b: 1}, b: {b: 1}, c: {a: 1}}
    assert report.dimensions["citizen_role"].accuracy == 1.0
    assert report.needs_review == 1
    text = report.render()
    assert "perspective" in text and "0.389" in text


def test_evaluate_file_passes_raw_event(labelled: Path) -> None:
    """evaluate_file hands tag_fn a raw-event dict without gold labels and scores its output."""
    seen: list[dict] = []

    def tag_fn(event: dict) -> Tags:
        seen.append(event)
        return _tags("burgers_en_bedrijven")

    report = evaluate_file(labelled, tag_fn)
    assert report.total == len(ROWS)
    assert "perspective" not in seen[0] and "occurred_at" in seen[0]
    assert report.dimensions["perspective"].accuracy == pytest.approx(3 / len(ROWS))


def test_trained_model_learns_label_pairs_and_rule_trust(labelled: Path) -> None:
    """The artefact carries co-occurrence of gold label pairs and weights on the rule scores."""
    from pipeline.tagging.labels import LABELS

    model = train(load_labelled(labelled))
    table = model.joint[("perspective", "municipality_role")]
    p, m = LABELS["perspective"], LABELS["municipality_role"]
    together = table[p.index("buurten")][m.index("faciliteren")]
    apart = table[p.index("buurten")][m.index("informeren")]
    assert together > 0 > apart
    assert any(row for row in model.rule_weights)


def test_evaluate_file_reads_nested_gold_and_reports_untaggable_rows(tmp_path: Path) -> None:
    """Gold labels may sit under "tags"/"labels", written as people write them; a row tag_fn
    refuses is listed, not scored."""
    gold = {
        "perspective": "buurten",
        "citizen_role": "initiatiefnemer",
        "municipality_role": "faciliteren",
    }
    path = tmp_path / "nested.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"channel": "web", "text": "a", "tags": gold},
                {"channel": "web", "text": "b", "labels": gold},
                {
                    "channel": "web",
                    "text": "d",
                    "labels": {
                        "perspective": "Buurten",
                        "citizen_role": "Initiatiefnemer",
                        "municipality_role": " faciliteren",
                    },
                },
                {"channel": "fax", "text": "c", **gold},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    seen: list[dict] = []

    def tag_fn(event: dict) -> Tags:
        if event["channel"] == "fax":
            raise ValueError("unknown channel 'fax'")
        seen.append(event)
        return _tags("buurten")

    report = evaluate_file(path, tag_fn)
    assert report.total == 3 and report.failed == ["line 4: unknown channel 'fax'"]
    assert report.dimensions["perspective"].accuracy == 1.0
    assert all("tags" not in e and "labels" not in e for e in seen)
    assert report.render().startswith("could not be tagged: line 4")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"channel": "web", "text": "a"}, "line 1: no gold labels"),
        (
            {"channel": "web", "text": "a", "perspective": "burgers", "citizen_role": "klant",
             "municipality_role": "leveren"},
            "line 1: unknown perspective 'burgers'",
        ),
    ],
)  # fmt: skip
def test_evaluate_file_refuses_rows_without_valid_gold(
    tmp_path: Path, row: dict, message: str
) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(row) + "\n", encoding="utf-8")
    with pytest.raises(SamenspelError, match=message):
        evaluate_file(path, lambda event: _tags("buurten"))


def test_tag_evaluate_command_prints_the_figures_and_fails_on_untaggable_rows(
    tmp_path: Path,
) -> None:
    """`samenspel tag --evaluate` prints accuracy, macro-F1 and confusions; exit 1 on a bad row."""
    import subprocess
    import sys

    path = tmp_path / "labelled.jsonl"
    rows = [{"channel": c, "text": t, "perspective": p, "citizen_role": r,
             "municipality_role": m} for c, t, p, r, m in ROWS]  # fmt: skip

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "pipeline", "tag", "--evaluate", str(path)],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    good = run()
    assert good.returncode == 0, good.stderr
    assert f"interactions: {len(ROWS)}" in good.stdout
    assert "accuracy" in good.stdout and "macro-F1" in good.stdout
    assert "== municipality_role ==" in good.stdout and "gold/predicted" in good.stdout
    with path.open("a", encoding="utf-8") as file:
        file.write(json.dumps(rows[0] | {"channel": "fax"}) + "\n")
    bad = run()
    assert bad.returncode == 1
    assert f"could not be tagged: line {len(ROWS) + 1}: channel" in bad.stdout
    assert f"interactions: {len(ROWS)}" in bad.stdout
